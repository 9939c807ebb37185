"""Outcome shares per group of people (diversity and inclusion reports), under the fairness
audit's privacy rules.

Pure code (no I/O). A report about groups never shows a person: it shows groups of at least the
minimum size (complementary suppression included: `shared.groups.suppress`), each with its size
and, from `min_size` people on, its share and Wilson interval. What was withheld is said in one
row per attribute and measure, with how many groups, never who.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from feedback.outcomes.comparison import Status
from feedback.outcomes.estimators import wilson
from shared.groups import suppress

SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class GroupRow:
    attribute: str
    group: str | None  # None on the row that reports what was withheld
    measure: str
    status: str
    size: int | None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed_groups: int = 0


def group_rates(
    *,
    attribute: str,
    measure: str,
    groups: Sequence[str],
    outcomes: Sequence[bool],
    min_group_size: int,
    min_size: int,
    confidence: float,
) -> list[GroupRow]:
    """Per group (`groups[i]` is person i's group, `outcomes[i]` their yes/no outcome): its size
    and share, with small groups withheld."""
    sizes = Counter(groups)
    successes = Counter(group for group, outcome in zip(groups, outcomes, strict=True) if outcome)
    # Below the minimum in total, even the total would identify people: nothing is shown.
    hidden = set(sizes) if sum(sizes.values()) < min_group_size else suppress(sizes, min_group_size)
    rows = []
    for group in sorted(set(sizes) - hidden):
        size = sizes[group]
        if size < min_size:
            rows.append(
                GroupRow(
                    attribute,
                    group,
                    measure,
                    Status.NOT_ENOUGH_DATA.value,
                    size,
                    suppressed_groups=len(hidden),
                )
            )
            continue
        share = successes[group] / size
        interval = wilson(share, size, confidence)
        rows.append(
            GroupRow(
                attribute,
                group,
                measure,
                Status.OK.value,
                size,
                value=share,
                ci_low=interval.low,
                ci_high=interval.high,
                suppressed_groups=len(hidden),
            )
        )
    if hidden:
        rows.append(GroupRow(attribute, None, measure, SUPPRESSED, None, suppressed_groups=len(hidden)))
    return rows
