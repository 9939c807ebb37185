"""A transaction the database aborts for a deadlock is run again rather than answered with a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from shared.db import create_engine, session_factory, transaction
from shared.locks import retrying
from tests.conftest import Platform


async def test_two_transactions_locking_in_opposite_orders_both_complete(platform: Platform) -> None:
    engine = create_engine(platform.database_url, pool_size=4)
    sessions = session_factory(engine)
    attempts = {"a": 0, "b": 0}
    both_hold_one = asyncio.Barrier(2)

    def work(name: str, first: int, second: int) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            attempts[name] += 1
            async with transaction(sessions) as session:
                await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": first})
                if attempts[name] == 1:
                    await both_hold_one.wait()  # each holds one lock and wants the other's
                await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": second})
            return name

        return run

    try:
        done = await asyncio.wait_for(
            asyncio.gather(retrying(work("a", 911_001, 911_002)), retrying(work("b", 911_002, 911_001))),
            timeout=30,
        )
    finally:
        await engine.dispose()
    assert sorted(done) == ["a", "b"]
    assert sorted(attempts.values()) == [1, 2]  # the deadlock's victim ran once more
