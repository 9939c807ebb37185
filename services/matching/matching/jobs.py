"""Periodic work of the matching worker: expire overdue requests and proposals, start relationships.

Each pass claims a batch with `FOR UPDATE SKIP LOCKED`, so worker replicas share the work and
never block an API call holding a match; the state change and its event commit together.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.config import MatchingSettings
from matching.lifecycle import OPEN, Action
from matching.models import Match, Program
from matching.transitions import transition, utcnow
from shared.contracts.matching import MatchStatus
from shared.logging import get_logger
from shared.runtime import Runtime

_log = get_logger("matching.jobs")


async def expire_overdue(
    sessions: async_sessionmaker[AsyncSession], *, now: dt.datetime | None = None, batch_size: int = 500
) -> int:
    """Expire open requests and proposals past their `expires_at` (MatchExpired each). Returns how many."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        overdue = (
            await session.scalars(
                select(Match)
                .where(Match.status.in_([status.value for status in OPEN]), Match.expires_at <= now)
                .order_by(Match.expires_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for match in overdue:
            await transition(session, match, Action.EXPIRE, now=now)
    return len(overdue)


async def activate_started(
    sessions: async_sessionmaker[AsyncSession], *, now: dt.datetime | None = None, batch_size: int = 500
) -> int:
    """Accepted matches whose program's cohort has started become active (MatchActivated each)."""
    now = now or utcnow()
    async with sessions() as session, session.begin():
        due = (
            await session.scalars(
                select(Match)
                .join(Program, Program.id == Match.program_id)
                .where(Match.status == MatchStatus.ACCEPTED.value, Program.cohort_start <= now.date())
                .order_by(Match.id)
                .limit(batch_size)
                .with_for_update(of=Match, skip_locked=True)
            )
        ).all()
        for match in due:
            await transition(session, match, Action.ACTIVATE, now=now)
    return len(due)


async def lifecycle_job(runtime: Runtime, stop: asyncio.Event) -> None:
    """Run expiry and activation passes until `stop` is set; a failed pass is retried next time."""
    settings = runtime.settings
    assert isinstance(settings, MatchingSettings)
    while not stop.is_set():
        busy = False
        try:
            expired = await expire_overdue(runtime.sessions, batch_size=settings.lifecycle_batch_size)
            activated = await activate_started(runtime.sessions, batch_size=settings.lifecycle_batch_size)
            busy = max(expired, activated) >= settings.lifecycle_batch_size
            if expired or activated:
                _log.info("match lifecycle pass", expired=expired, activated=activated)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("match lifecycle pass failed; will retry", error=repr(exc))
        if busy:
            continue  # more is waiting
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.lifecycle_poll_seconds)
