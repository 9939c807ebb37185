"""Use cases of the read model built from training events: programs' readiness gates and where each
course assignment stands, which `candidates.held_back` reads to leave people out of matching.

Both are version-checked (the gates' version, the assignment's), so replays and out-of-order
delivery converge on the newest state. Neither changes a cached mentor pool: readiness is looked
up on every suggestion and round instead, so course progress never forces a pool rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from matching.models import CourseAssignment, ReadinessGate
from shared.contracts.training import AssignmentProgress, ReadinessGates
from shared.read_models import upsert_if_newer, upsert_many_if_newer


def _assignment_values(assignment: AssignmentProgress) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "organization": assignment.organization,
        "version": assignment.version,
        "program_id": assignment.program_id,
        "person_id": assignment.person_id,
        "role": assignment.role.value,
        "enrollment_id": assignment.enrollment_id,
        "status": assignment.status.value,
        "modules_done": assignment.modules_done,
        "modules_total": assignment.modules_total,
        "required_for_matching": assignment.required_for_matching,
        "overdue": assignment.overdue,
        "assigned_at": assignment.assigned_at,
    }


async def apply_assignments(session: AsyncSession, assignments: Sequence[AssignmentProgress]) -> None:
    """The newest known state of each course assignment (a bulk of enrollments arrives as one batch)."""
    await upsert_many_if_newer(
        session,
        CourseAssignment.__table__,
        [_assignment_values(assignment) for assignment in assignments],
        key=["id"],
    )


async def apply_gates(session: AsyncSession, gates: ReadinessGates) -> None:
    """A program's readiness gates, as training last changed them."""
    await upsert_if_newer(
        session,
        ReadinessGate.__table__,
        {
            "program_id": gates.program_id,
            "organization": gates.organization,
            "version": gates.version,
            "mentors_must_complete": gates.mentors_must_complete,
            "mentees_must_complete": gates.mentees_must_complete,
        },
        key=["program_id"],
    )
