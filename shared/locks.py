"""Serializing work on one thing across processes: transaction-scoped advisory locks, and
re-running a transaction the database aborted to break a deadlock.

Locks are taken in a sorted order, so two writers needing the same set never wait for each other
in opposite orders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.constraints import TRANSIENT, sqlstate
from shared.logging import get_logger
from shared.metrics import TRANSACTION_RETRIES

_log = get_logger("shared.locks")

T = TypeVar("T")
ATTEMPTS = 3


async def advisory_lock(session: AsyncSession, *keys: str) -> None:
    """Hold a lock per key (e.g. "scheduling.person.<id>") until the transaction ends, in sorted
    order; waits while another transaction holds one."""
    if not keys:
        return
    ordered = sorted(set(keys))
    await session.execute(select(*(func.pg_advisory_xact_lock(func.hashtext(key)) for key in ordered)))


async def retrying(work: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """Run a whole transaction (`work`) again when the database aborted it as a deadlock victim or
    for a serialization failure, instead of answering a 500; other errors pass through.

    Every retry is counted (`transaction_retries_total`) and logged: retries hide a lock-order
    problem from clients, so they must show to operators (and tests)."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except DBAPIError as exc:
            state = sqlstate(exc)
            if attempt == attempts or state not in TRANSIENT:
                raise
            TRANSACTION_RETRIES.labels(state or "").inc()
            _log.warning("transaction aborted by the database; retrying", sqlstate=state, attempt=attempt)
    raise AssertionError("unreachable")
