"""The rows of the `groups` table: diversity and inclusion figures per group of people, under the
privacy rules of `groups.group_rates`.

Pure code (no I/O).
"""

from __future__ import annotations

import uuid

import numpy as np

from feedback.outcomes.context import ReportContext, Row, rounded
from feedback.outcomes.designs import Design
from feedback.outcomes.groups import group_rates
from feedback.outcomes.history import ProgramRecord
from feedback.outcomes.measures import CATALOG, GROUP_MEASURES, Measure


def group_rows(
    context: ReportContext,
    scope: str,
    program: ProgramRecord | None,
    *,
    mentees: dict[uuid.UUID, int],  # person -> day they enrolled
    matched: set[uuid.UUID],
    design_365: Design | None,
) -> list[Row]:
    rules, careers = context.rules, context.careers
    units: dict[Measure, tuple[dict[str, list[str]], list[bool]]] = {}
    # A measure the organization has no events for is left out (its figure says "not available").
    if context.available(CATALOG[Measure.MATCH_RATE].source):
        people = list(mentees)
        units[Measure.MATCH_RATE] = (
            careers.attributes_at(
                careers.numbers(people), np.asarray([mentees[p] for p in people], dtype=np.int64)
            ),
            [person in matched for person in people],
        )
    if design_365 is not None and context.available(CATALOG[Measure.RETENTION_365D].source):
        eligible = design_365.participants
        attributes = careers.attributes_at(eligible.persons, eligible.starts)
        for measure in (Measure.RETENTION_365D, Measure.PROMOTION_365D):
            career, horizon = CATALOG[measure].career, CATALOG[measure].horizon_days
            assert career is not None and horizon == design_365.horizon
            outcome = careers.outcome(career, eligible.persons, eligible.starts, horizon)
            units[measure] = (attributes, outcome.tolist())
    rows = []
    for attribute in rules.group_attributes:
        for measure in GROUP_MEASURES:
            if measure not in units:
                continue
            attributes, outcomes = units[measure]
            for figure in group_rates(
                attribute=attribute,
                measure=measure.value,
                groups=attributes[attribute],
                outcomes=outcomes,
                min_group_size=rules.min_group_size,
                min_size=rules.min_size,
                confidence=rules.confidence,
            ):
                rows.append(
                    {
                        "scope": scope,
                        "program_id": program.id if program else None,
                        "program_name": program.name if program else None,
                        "attribute": figure.attribute,
                        "group": figure.group,
                        "measure": figure.measure,
                        "status": figure.status,
                        "size": figure.size,
                        "value": rounded(figure.value),
                        "ci_low": rounded(figure.ci_low),
                        "ci_high": rounded(figure.ci_high),
                        "suppressed_groups": figure.suppressed_groups,
                        "min_group_size": rules.min_group_size,
                        "definition": CATALOG[measure].definition
                        + f" Groups by {attribute} on the day counted from; groups under "
                        f"{rules.min_group_size} people withheld (complementary suppression included).",
                    }
                )
    return rows
