"""Housekeeping job: received events (and with them their deliveries and log) older than the
retention period are deleted, in small batches so the tables are never locked for long."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.logging import get_logger
from webhooks.models import SCHEMA

_log = get_logger("webhooks.retention")

BATCH = 1000
INTERVAL_SECONDS = 3600.0

_PRUNE = text(
    f"""
    DELETE FROM "{SCHEMA}".events
    WHERE id IN (
        SELECT id FROM "{SCHEMA}".events
        WHERE received_at < now() - make_interval(secs => :seconds)
        LIMIT :batch
    )
    """
)


async def prune(sessions: async_sessionmaker[AsyncSession], *, retention_seconds: float) -> int:
    """Delete what is older than the retention period; returns the events deleted."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            result = await session.execute(_PRUNE, {"seconds": retention_seconds, "batch": BATCH})
        deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
        total += deleted
        if deleted < BATCH:
            return total


async def run(
    sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event, *, retention_seconds: float
) -> None:
    while not stop.is_set():
        try:
            deleted = await prune(sessions, retention_seconds=retention_seconds)
            if deleted:
                _log.info("pruned old events and deliveries", events=deleted)
        except Exception as exc:
            _log.warning("pruning failed; will retry", error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=INTERVAL_SECONDS)
