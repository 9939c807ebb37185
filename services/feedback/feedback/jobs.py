"""Periodic work of the feedback worker: open due check-ins, and re-evaluate health that time
alone changes (a missed session cadence shows without any event arriving).

Both are safe with several worker replicas: check-ins are unique per match and period, and an
evaluation locks its match's health row.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from feedback import monitoring
from feedback.config import FeedbackSettings
from feedback.opening import open_due_checkins
from feedback.store import utcnow
from shared.db import transaction
from shared.logging import get_logger
from shared.runtime import Runtime
from shared.worker import Job

_log = get_logger("feedback.jobs")


def every(
    seconds: Callable[[FeedbackSettings], float], tick: Callable[[Runtime, FeedbackSettings], Awaitable[int]]
) -> Job:
    """A job running `tick` at once and then every `seconds`, until stopped; a failed tick is logged
    and retried at the next one."""

    async def job(runtime: Runtime, stop: asyncio.Event) -> None:
        settings = runtime.settings
        assert isinstance(settings, FeedbackSettings)
        while not stop.is_set():
            try:
                done = await tick(runtime, settings)
                if done:
                    _log.info("feedback job tick", job=tick.__name__, done=done)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("feedback job failed; retrying", job=tick.__name__, error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=seconds(settings))

    return job


async def open_checkins(runtime: Runtime, settings: FeedbackSettings) -> int:
    """Open every due check-in, a batch per transaction."""
    opened_total = 0
    while True:
        async with transaction(runtime.sessions) as session:
            opened = await open_due_checkins(
                session, now=utcnow(), settings=settings, limit=settings.scan_batch_size
            )
        opened_total += opened
        if opened == 0:
            return opened_total


async def refresh_health(runtime: Runtime, settings: FeedbackSettings) -> int:
    """Re-evaluate live matches whose health is missing or older than `health_max_age_seconds`."""
    async with runtime.sessions() as session:
        stale = await monitoring.stale_matches(
            session,
            now=utcnow(),
            max_age_seconds=settings.health_max_age_seconds,
            confirm_seconds=settings.at_risk_confirm_seconds,
            limit=settings.scan_batch_size,
        )
    for match_id in stale:
        # One match per transaction: a scan never holds many health rows locked at once.
        async with transaction(runtime.sessions) as session:
            await monitoring.evaluate_match(session, match_id=match_id, now=utcnow(), settings=settings)
    return len(stale)


JOBS: tuple[Job, ...] = (
    every(lambda settings: settings.checkin_scan_seconds, open_checkins),
    every(lambda settings: settings.health_scan_seconds, refresh_health),
)
