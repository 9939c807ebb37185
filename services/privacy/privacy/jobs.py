"""Work of the privacy worker on the shared job runner:

- `assemble-export` (task, enqueued when the last part arrives): the archive from the parts;
- `privacy-retries` (periodic): exports and erasures some service has not answered are asked for
  again, with a growing delay (a service that is down delays them, never skips them);
- `export-expiry` (periodic): archives past their download period are deleted;
- `automatic-erasure` (periodic): leavers past their organization's `erase_after_days` are erased;
- `audit-retention` (periodic): trail entries older than their organization's period are deleted;
- the service's own part of each export (`personal-data-export`, like every service).
"""

from __future__ import annotations

import uuid

from privacy.config import settings_of
from privacy.personal_data import PERSONAL_DATA
from privacy.service import erasures, exports, trail
from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import Again, JobContext, JobResult, Periodic, Task
from shared.runtime import Runtime


async def _assemble(runtime: Runtime, job: JobContext) -> JobResult:
    await exports.assemble(
        runtime,
        export_id=uuid.UUID(job.payload["export_id"]),
        download_hours=settings_of(runtime).export_download_hours,
        now=utcnow(),
    )
    return None


async def _retries(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    async with transaction(runtime.sessions) as session:
        now = utcnow()
        await exports.ask_again(
            session,
            now=now,
            after_seconds=settings.retry_after_seconds,
            max_seconds=settings.retry_max_seconds,
        )
        await erasures.ask_again(
            session,
            now=now,
            after_seconds=settings.retry_after_seconds,
            max_seconds=settings.retry_max_seconds,
        )
    return None


async def _expire(runtime: Runtime, job: JobContext) -> JobResult:
    async with transaction(runtime.sessions) as session:
        await exports.expire(session, now=utcnow())
    return None


async def _erase_leavers(runtime: Runtime, job: JobContext) -> JobResult:
    async with transaction(runtime.sessions) as session:
        started = await erasures.erase_leavers(session, now=utcnow())
    return Again() if started >= 100 else None


async def _audit_retention(runtime: Runtime, job: JobContext) -> JobResult:
    async with transaction(runtime.sessions) as session:
        deleted = await trail.prune(session)
    return Again() if deleted >= 5000 else None


def _every(runtime_settings: object) -> float:
    return float(getattr(runtime_settings, "housekeeping_seconds", 60.0))


PERIODIC = (
    Periodic("privacy-retries", _retries, every=_every),
    Periodic("export-expiry", _expire, every=_every),
    Periodic("automatic-erasure", _erase_leavers, every=_every),
    Periodic("audit-retention", _audit_retention, every=lambda settings: 3600.0),
)
TASKS = (Task(exports.ASSEMBLE, _assemble, max_attempts=20), *PERSONAL_DATA.tasks())
