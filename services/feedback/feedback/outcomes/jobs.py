"""Outcome work on feedback's job runner: keep every organization's report current, take the
daily snapshots, and recompute at once when an admin asks.

`recompute_outcomes` looks every `outcomes_recompute_seconds` for organizations whose history
changed (a fingerprint of it) or whose report is older than `outcomes_max_age_seconds`, and
recomputes them one at a time. The runner runs a periodic job on one replica at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from feedback.config import settings_of
from feedback.models import messaging
from feedback.outcomes.recompute import recompute_report, stale_organizations
from feedback.outcomes.snapshots import snapshot_reports
from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import JobContext, JobQueue, JobResult, Periodic, Task
from shared.logging import get_logger
from shared.runtime import Runtime

_log = get_logger("feedback.outcomes")

RECOMPUTE_NOW = "recompute_outcomes_now"


async def recompute_stale(runtime: Runtime) -> list[str]:
    """Recompute the report of every organization that needs it; which ones."""
    settings = settings_of(runtime)
    done = []
    for organization in await stale_organizations(runtime.sessions, now=utcnow(), settings=settings):
        result = await recompute_report(runtime.sessions, organization=organization, settings=settings)
        _log.info(
            "outcome report recomputed", organization=organization, seconds=result.seconds, rows=result.rows
        )
        done.append(organization)
    return done


async def request_recompute(session: AsyncSession, *, organization: str, now: datetime) -> bool:
    """Ask for the organization's report to be recomputed now (at most one request a minute);
    whether this asked (False: one was asked within the minute)."""
    job = await JobQueue(messaging.jobs).enqueue(
        session,
        RECOMPUTE_NOW,
        payload={"organization": organization},
        key=f"{organization}:{now:%Y%m%dT%H%M}",
    )
    return job is not None


async def _recompute_outcomes(runtime: Runtime, job: JobContext) -> JobResult:
    await recompute_stale(runtime)
    return None


async def _recompute_now(runtime: Runtime, job: JobContext) -> JobResult:
    await recompute_report(
        runtime.sessions, organization=str(job.payload["organization"]), settings=settings_of(runtime)
    )
    return None


async def _snapshot_outcomes(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    async with transaction(runtime.sessions) as session:
        await snapshot_reports(session, now=utcnow(), keep_days=settings.outcomes_snapshot_keep_days)
    return None


PERIODIC: tuple[Periodic, ...] = (
    Periodic(
        "recompute_outcomes", _recompute_outcomes, every=lambda settings: settings.outcomes_recompute_seconds
    ),
    Periodic(
        "snapshot_outcomes",
        _snapshot_outcomes,
        every=lambda settings: settings.outcomes_snapshot_check_seconds,
    ),
)
TASKS: tuple[Task, ...] = (Task(RECOMPUTE_NOW, _recompute_now, max_attempts=5),)
