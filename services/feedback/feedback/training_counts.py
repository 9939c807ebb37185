"""Per-program training counts (assigned, completed, overdue), kept incrementally by the assignment
events: each applied event moves its program's counts from the state it replaces to its own, so
program analytics read one row however many people a program trains.

The caller holds the assignment's lock and applies only a newer version (`upsert_if_newer`), so a
repeated or stale event moves nothing and every state is counted exactly once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.models import TRAINING_COUNTS
from shared.contracts.training import AssignmentProgress, AssignmentStatus

Counts = tuple[int, int, int]  # (assigned, completed, overdue)


def counted(status: str | None, overdue: bool) -> Counts:
    """What one assignment in `status` adds to its program's counts (None: not known yet).

    Assigned: in progress or completed (a closed one left the program unfinished); overdue: in
    progress past its due time."""
    if status is None or status == AssignmentStatus.CLOSED.value:
        return (0, 0, 0)
    if status == AssignmentStatus.COMPLETED.value:
        return (1, 1, 0)
    return (1, 0, int(overdue))


async def count_change(session: AsyncSession, *, before: Any | None, assignment: AssignmentProgress) -> None:
    """Move the program's counts from `before` (the row held until now: status, overdue; or None)
    to the assignment's new state."""
    old = counted(before.status, before.overdue) if before is not None else (0, 0, 0)
    new = counted(assignment.status.value, assignment.overdue)
    assigned, completed, overdue = (n - o for n, o in zip(new, old, strict=True))
    if not (assigned or completed or overdue):
        return
    statement = insert(TRAINING_COUNTS).values(
        program_id=assignment.program_id,
        organization=assignment.organization,
        assigned=assigned,
        completed=completed,
        overdue=overdue,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[TRAINING_COUNTS.c.program_id],
            set_={
                "assigned": TRAINING_COUNTS.c.assigned + assigned,
                "completed": TRAINING_COUNTS.c.completed + completed,
                "overdue": TRAINING_COUNTS.c.overdue + overdue,
            },
        )
    )
