"""Periodic work of the workspace worker, on the shared job runner: announce overdue action items
(once each), and delete messages past their organization's retention.

Both are safe with several worker replicas: the runner runs each periodic job on one replica at a
time, and both claim their rows with SKIP LOCKED. A round takes at most `job_batch_size` rows in
one transaction, and the job runs again at once while rounds come back full.
"""

from __future__ import annotations

from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import Again, JobContext, JobResult, Periodic, Task
from shared.runtime import Runtime
from workspace.config import settings_of
from workspace.personal_data import PERSONAL_DATA
from workspace.service.action_items import announce_overdue
from workspace.service.messages import delete_expired_messages


async def announce_overdue_items(runtime: Runtime, job: JobContext) -> JobResult:
    batch = settings_of(runtime).job_batch_size
    async with transaction(runtime.sessions) as session:
        announced = await announce_overdue(session, now=utcnow(), limit=batch)
    return Again() if announced >= batch else None


async def enforce_message_retention(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    async with transaction(runtime.sessions) as session:
        deleted = await delete_expired_messages(
            session,
            now=utcnow(),
            default_days=settings.default_message_retention_days,
            limit=settings.job_batch_size,
        )
    return Again() if deleted >= settings.job_batch_size else None


PERIODIC: tuple[Periodic, ...] = (
    Periodic("overdue_action_items", announce_overdue_items, every=lambda s: s.overdue_scan_seconds),
    Periodic("message_retention", enforce_message_retention, every=lambda s: s.retention_scan_seconds),
    *PERSONAL_DATA.periodic(),
)
TASKS: tuple[Task, ...] = (*PERSONAL_DATA.tasks(),)
