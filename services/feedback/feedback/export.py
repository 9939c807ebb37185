"""The program's weekly analytics as CSV, one row per week (the csv module does the quoting)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from feedback.analytics import CSV_COLUMNS


def analytics_csv(weeks: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for week in weeks:
        writer.writerow({name: "" if week.get(name) is None else week[name] for name in CSV_COLUMNS})
    return buffer.getvalue()
