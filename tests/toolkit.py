"""What tests of every service use to wait for effects of events, without sleeping blindly.

- `eventually(probe)`: the first result of `probe` that is neither None nor False, polled.
- `eventually_value(probe, accept)`: poll until `accept(value)` holds, and return that value.
- `settled(...)`: the deterministic "nothing more will happen" check: waits until every named
  consumer has acknowledged everything in its stream up to the stream's last sequence, and every
  service's outbox holds nothing unpublished, so a test can then assert that something did NOT
  happen (no duplicate, no second email) without guessing how long to sleep.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import nats
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.events import stream_name

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, what: str = ""
) -> T:
    """The first result of `probe` that is neither None nor False, polled until `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        result = await probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {what or getattr(probe, '__name__', probe)}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


async def eventually_value(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], *, timeout: float = 30.0, what: str = ""
) -> T:
    """Poll `probe` until `accept` holds for its value and return it; fail after `timeout` seconds."""

    async def accepted() -> tuple[T] | None:
        value = await probe()
        return (value,) if accept(value) else None

    (value,) = await eventually(accepted, timeout=timeout, what=what)
    return value


async def settled(
    *,
    nats_url: str,
    namespace: str,
    consumers: Iterable[tuple[str, str]],
    database_url: str | None = None,
    outboxes: Iterable[str] = (),
    timeout: float = 30.0,
) -> None:
    """Wait until nothing more will happen: each `(consumer, source service)` has acknowledged its
    stream up to the stream's last sequence with nothing pending, and each service's outbox in
    `outboxes` has published every row. Checked twice in a row, since handling an event may write
    new outbox rows that then reach another stream."""
    pairs = list(consumers)
    connection = await nats.connect(nats_url)
    engine = create_async_engine(database_url) if database_url else None
    try:
        js = connection.jetstream()

        async def quiet() -> bool:
            if engine is not None:
                async with engine.connect() as db:
                    for service in outboxes:
                        unpublished = await db.scalar(
                            text(f'SELECT count(*) FROM "{service}".outbox WHERE published_at IS NULL')
                        )
                        if unpublished:
                            return False
            for consumer, source in pairs:
                stream = stream_name(namespace, source)
                try:
                    stream_info = await js.stream_info(stream)
                    info = await js.consumer_info(stream, consumer)
                except NotFoundError:
                    return False
                last = stream_info.state.last_seq
                if info.ack_floor.stream_seq < last or info.num_pending or info.num_ack_pending:
                    return False
            return True

        async def twice_quiet() -> bool:
            return await quiet() and await quiet()

        await eventually(twice_quiet, timeout=timeout, what=f"consumers {pairs} caught up")
    finally:
        await connection.close()
        if engine is not None:
            await engine.dispose()
