"""Periodic work of the feedback worker, on the shared job runner: open due check-ins, and
re-evaluate health that time alone changes (a missed session cadence shows without any event);
and the outcome reports' (`outcomes.jobs`: recompute, daily snapshots).

Both are safe with several worker replicas: the runner runs each periodic job on one replica at
a time, check-ins are unique per match and period, and an evaluation locks its match's health
row. `open_checkins` and `refresh_health` are one round each; the jobs run them again at once
while a round was full.
"""

from __future__ import annotations

from feedback.config import FeedbackSettings, settings_of
from feedback.outcomes import jobs as outcome_jobs
from feedback.personal_data import PERSONAL_DATA
from feedback.service.match_health import evaluate_match, stale_matches
from feedback.service.requests import open_due_checkins
from shared.clock import utcnow
from shared.db import transaction
from shared.jobs import Again, JobContext, JobResult, Periodic, Task
from shared.runtime import Runtime


async def open_checkins(runtime: Runtime, settings: FeedbackSettings) -> int:
    """Open the due check-ins of up to `scan_batch_size` matches, in one transaction; how many
    requests opened."""
    async with transaction(runtime.sessions) as session:
        return await open_due_checkins(
            session, now=utcnow(), settings=settings, limit=settings.scan_batch_size
        )


async def refresh_health(runtime: Runtime, settings: FeedbackSettings) -> int:
    """Re-evaluate up to `scan_batch_size` live matches whose health is missing, older than
    `health_max_age_seconds` or waiting to confirm a dip; how many."""
    async with runtime.sessions() as session:
        stale = await stale_matches(
            session,
            now=utcnow(),
            max_age_seconds=settings.health_max_age_seconds,
            confirm_seconds=settings.at_risk_confirm_seconds,
            limit=settings.scan_batch_size,
        )
    for match_id in stale:
        # One match per transaction: a round never holds many health rows locked at once.
        async with transaction(runtime.sessions) as session:
            await evaluate_match(session, match_id=match_id, now=utcnow(), settings=settings)
    return len(stale)


async def _open_checkins(runtime: Runtime, job: JobContext) -> JobResult:
    # A round that opened something may have left more matches due: go on until one opens nothing.
    return Again() if await open_checkins(runtime, settings_of(runtime)) else None


async def _refresh_health(runtime: Runtime, job: JobContext) -> JobResult:
    settings = settings_of(runtime)
    return Again() if await refresh_health(runtime, settings) >= settings.scan_batch_size else None


PERIODIC: tuple[Periodic, ...] = (
    Periodic("open_checkins", _open_checkins, every=lambda settings: settings.checkin_scan_seconds),
    Periodic("refresh_health", _refresh_health, every=lambda settings: settings.health_scan_seconds),
    *outcome_jobs.PERIODIC,
    *PERSONAL_DATA.periodic(),
)
TASKS: tuple[Task, ...] = (*outcome_jobs.TASKS, *PERSONAL_DATA.tasks())
