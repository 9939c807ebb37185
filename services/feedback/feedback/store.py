"""Small database helpers every part of the service uses: executors, locks, timestamps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Executor = AsyncConnection | AsyncSession
T = TypeVar("T")

# Deadlock and serialization failure: the database rolled the transaction back; running it again
# is safe and almost always succeeds.
_TRANSIENT = {"40P01", "40001"}
ATTEMPTS = 3


def utcnow() -> datetime:
    return datetime.now(UTC)


async def lock_entity(session: AsyncSession, kind: str, entity_id: object) -> None:
    """Serialize changes to one entity until the transaction ends (replicas handling two events
    of the same entity at once must not both read the old state)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"feedback.{kind}.{entity_id}"}
    )


async def retrying(work: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """Run a whole transaction again when the database aborted it for a deadlock or a
    serialization failure (a submission and an event handler updating the same weekly rollup
    and match health in opposite orders), instead of answering a 500."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except DBAPIError as exc:
            if attempt == attempts or getattr(exc.orig, "sqlstate", None) not in _TRANSIENT:
                raise
    raise AssertionError("unreachable")
