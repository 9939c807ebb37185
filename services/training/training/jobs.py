"""Work of the training worker on the shared job runner:

- `mark_overdue` (periodic): unfinished assignments past their due time are reported overdue,
  once each (`training.assignment.overdue`);
- `sync_course` (task, enqueued with the course change): a course created or changed applies to
  the people already enrolled (new assignments, recounted progress, new due times);
- `apply_gates` (task, enqueued with the gate change): every assignment of the program's role is
  published again with its new `required_for_matching`.

All are idempotent, so a retried or duplicated run changes nothing twice.
"""

from __future__ import annotations

import uuid

from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import Again, JobContext, JobQueue, JobResult, Periodic, Task
from shared.locks import advisory_lock
from shared.runtime import Runtime
from training.config import settings_of
from training.models import messaging
from training.personal_data import PERSONAL_DATA
from training.service import assignments

SYNC_COURSE = "sync_course"
APPLY_GATES = "apply_gates"

queue = JobQueue(messaging.jobs)


async def _mark_overdue(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    async with transaction(runtime.sessions) as session:
        marked = await assignments.mark_overdue(session, now=utcnow(), limit=settings.overdue_batch_size)
    return Again() if marked >= settings.overdue_batch_size else None


async def _sync_course(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    course_id = uuid.UUID(job.payload["course_id"])
    after: uuid.UUID | None = None
    first = True
    while first or after is not None:
        if job.stopping:
            return Again()  # the next run starts over: slices already done recount to no change
        async with transaction(runtime.sessions) as session:
            # One sync of a course at a time: two revisions in a row must not interleave.
            await advisory_lock(session, f"training.course.{course_id}")
            after = await assignments.sync_course(
                session, course_id=course_id, after=after, limit=settings.sync_batch_size, now=utcnow()
            )
        first = False
    return None


async def _apply_gates(runtime: Runtime, job: JobContext) -> JobResult:
    async with transaction(runtime.sessions) as session:
        await advisory_lock(session, f"training.gates.{job.payload['program_id']}")
        await assignments.apply_gates(
            session,
            program_id=uuid.UUID(job.payload["program_id"]),
            roles=list(job.payload["roles"]),
            now=utcnow(),
        )
    return None


PERIODIC: tuple[Periodic, ...] = (
    Periodic("mark_overdue", _mark_overdue, every=lambda settings: settings.overdue_scan_seconds),
)
TASKS: tuple[Task, ...] = (
    Task(SYNC_COURSE, _sync_course),
    Task(APPLY_GATES, _apply_gates),
    *PERSONAL_DATA.tasks(),
)
