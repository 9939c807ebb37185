"""Weekly availability in local time: whether windows (minutes since midnight, from
`shared.time_of_day.minutes_of_day`) overlap."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise


def overlaps(windows: Iterable[tuple[int, int]]) -> bool:
    """Whether any two half-open windows `[start, end)` overlap; touching windows do not."""
    ordered = sorted(windows)
    return any(later[0] < earlier[1] for earlier, later in pairwise(ordered))
