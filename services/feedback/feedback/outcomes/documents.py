"""Outcome rows as the API shows them: a figure with how it was computed.

Pure code (no I/O). A row of the `outcomes` table is flat (for CSV); its document nests what
explains it under `how`: the definition, the period, the sizes of the groups and the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Document = dict[str, Any]

FIGURE_FIELDS = (
    "measure",
    "label",
    "headline",
    "status",
    "note",
    "unit",
    "value",
    "comparison_value",
    "difference",
    "ci_low",
    "ci_high",
    "confidence",
)


def figure_document(row: Mapping[str, Any]) -> Document:
    """An `outcomes` row as a figure carrying its definition, period, group sizes and method."""
    return {
        **{name: row.get(name) for name in FIGURE_FIELDS},
        "how": {
            "definition": row.get("definition"),
            "period": {"start": row.get("period_start"), "end": row.get("period_end")},
            "groups": {
                "participants": row.get("participants"),
                "comparison": row.get("comparison"),
                "comparison_effective": row.get("comparison_effective"),
                "unmatched_participants": row.get("unmatched_participants"),
                "strata": row.get("strata"),
            },
            "method": row.get("method"),
            "source": row.get("source"),
        },
    }
