"""A chart per outcome measure (SVG, pygal, no script): the organization and each program side by
side, with the confidence interval of every bar.

For a measure with a comparison group, the bars are the difference between participants and the
matched comparison group (percentage points); otherwise, the participants' figure. Rows without a
figure (not enough data, not available) are left out, and the chart says how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pygal
from pygal.style import CleanStyle

from feedback.charts import _without_scripts
from feedback.outcomes.comparison import Status
from feedback.outcomes.measures import MeasureSpec, Unit


def _scale(spec: MeasureSpec) -> tuple[float, str]:
    """Factor from the stored figure to the one drawn, and its unit in words."""
    if spec.compared:
        return 100.0, "difference, percentage points (participants - comparison group)"
    if spec.unit is Unit.SHARE:
        return 100.0, "%"
    return 1.0, spec.unit.value


def measure_chart(spec: MeasureSpec, rows: Sequence[Mapping[str, Any]], *, confidence: float = 0.95) -> str:
    """The measure for the organization and each program, with its interval."""
    factor, unit = _scale(spec)
    shown = [row for row in rows if row.get("status") == Status.OK.value]
    left_out = len(rows) - len(shown)
    chart = pygal.HorizontalBar(
        title=f"{spec.label}" + (f" ({left_out} without enough data left out)" if left_out else ""),
        x_title=f"{unit}, {confidence:.0%} interval",
        style=CleanStyle,
        show_legend=False,
        width=900,
        height=max(240, 60 + 28 * len(shown)),
        disable_xml_declaration=True,
        no_data_text="not enough data yet",
        print_values=False,
        js=[],  # no tooltip script from kozea.github.io
    )
    chart.add_xml_filter(_without_scripts)
    chart.x_labels = [row.get("program_name") or "Whole organization" for row in shown]
    values = []
    for row in shown:
        value = row["difference"] if spec.compared else row["value"]
        low, high = row.get("ci_low"), row.get("ci_high")
        entry: dict[str, Any] = {"value": round(factor * value, 2)}
        if low is not None and high is not None:
            entry["ci"] = {"low": round(factor * low, 2), "high": round(factor * high, 2)}
        values.append(entry)
    chart.add(spec.label, values)
    svg: str = chart.render(is_unicode=True)
    return svg
