"""The program's health over time as an SVG chart (pygal), for people who would rather look.

Charts are static pictures: no script at all. pygal would otherwise embed its tooltip script from
a third-party URL (kozea.github.io) and an inline configuration script into every chart, so code
from outside the platform would run wherever a chart is opened on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import CleanStyle

Document = dict[str, Any]


def _without_scripts(root: Any) -> Any:
    """A pygal XML filter: drop every `<script>` element (pygal adds its inline configuration one
    even when it is given no scripts)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def health_chart(program_name: str, weeks: Sequence[Document], *, threshold: float) -> str:
    """Average match health per week, the share of matches at risk, and the at-risk threshold."""
    chart = pygal.Line(
        title=f"{program_name}: relationship health by week",
        x_title="week",
        y_title="score / % of active matches",
        range=(0, 100),
        show_dots=True,
        dots_size=3,
        x_label_rotation=30,
        style=CleanStyle,
        legend_at_bottom=True,
        width=900,
        height=420,
        disable_xml_declaration=True,
        no_data_text="no data yet",
        js=[],  # no tooltip script from kozea.github.io
    )
    chart.add_xml_filter(_without_scripts)
    chart.x_labels = [week["week_start"].isoformat() for week in weeks]
    chart.add("average health", [week["average_health"] for week in weeks])
    chart.add(
        "% at risk",
        [
            round(100 * week["at_risk"] / week["active_matches"], 1) if week["active_matches"] else None
            for week in weeks
        ],
    )
    chart.add(
        "at-risk threshold",
        [threshold] * len(weeks),
        show_dots=False,
        stroke_style={"width": 2.5, "dasharray": "8,4"},
    )
    svg: str = chart.render(is_unicode=True)
    return svg
