"""A program's goal tallies (models.GoalTally): every change of a goal moves its counts, in the
changing transaction, so the goal-attainment report reads a few hundred rows, not every goal.

A goal's keys are computed before and after the change; only the difference is written, in key
order, so two transactions moving counts of the same program never wait for each other in
opposite orders.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from workspace.models import GOAL_TALLIES

# The target date of a goal without one (9999-12-31 is never before today).
NO_TARGET = date.max
TallyKey = tuple[uuid.UUID, str, str, str, str, date]


def outcome_of(goal: Any) -> str:
    """How a done goal ended: on_time, late, or undated (no target date); '' if not done."""
    if goal.status != "done":
        return ""
    if goal.completed_on_time is None:
        return "undated"
    return "on_time" if goal.completed_on_time else "late"


def tally_keys(goal: Any) -> Counter[TallyKey]:
    """The tally rows a goal counts in, only while it is the mentee's goal: one for all goals
    (skill '') with its guidance kind, and one per skill (without the kind, which the report's
    skill lines do not show: fewer rows to add up). Pure."""
    if not goal.adopted:
        return Counter()
    target = goal.target_date or NO_TARGET
    outcome = outcome_of(goal)
    keys = Counter([(goal.program_id, "", goal.guidance_kind, goal.status, outcome, target)])
    keys.update(
        (goal.program_id, skill, "", goal.status, outcome, target) for skill in sorted(set(goal.skills or ()))
    )
    return keys


async def retally(
    session: AsyncSession, *, organization: str, before: Counter[TallyKey], after: Counter[TallyKey]
) -> None:
    """Move a goal's counts from the keys it had to the keys it has."""
    deltas = Counter(after)
    deltas.subtract(before)
    for key in sorted(k for k, delta in deltas.items() if delta):
        program_id, skill, kind, status, outcome, target = key
        statement = insert(GOAL_TALLIES).values(
            program_id=program_id,
            skill=skill,
            guidance_kind=kind,
            status=status,
            outcome=outcome,
            target_date=target,
            organization=organization,
            goals=deltas[key],
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["program_id", "skill", "guidance_kind", "status", "outcome", "target_date"],
                set_={"goals": GOAL_TALLIES.c.goals + statement.excluded.goals},
            )
        )
