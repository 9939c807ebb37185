"""Live streams to browsers (Server-Sent Events), resumable, across API replicas.

A service keeps what it streams as rows with a growing sequence number (messages of a match,
notifications of a person) under a *topic* (the match id, the person id). A write that adds such a
row signals the topic with `signal(session, channel, topic)` in its transaction: PostgreSQL
delivers the signal on commit to every API replica. Each replica's `LiveHub` listens once on the
channel and wakes only the streams of that topic, which then read their new rows themselves, so the
signal carries no content (private text never travels in it) and a stream never misses a row: on
(re)connection it starts after the `Last-Event-ID` the browser sends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from shared.listening import listen
from shared.logging import get_logger
from shared.responses import dumps

_log = get_logger("shared.live")
# A comment line this often keeps proxies from closing an idle stream.
KEEPALIVE_SECONDS = 15.0


async def signal(session: AsyncSession, channel: str, topic: str) -> None:
    """Wake the streams of `topic` once the current transaction commits (not before, not if not)."""
    await session.execute(text("SELECT pg_notify(:channel, :topic)"), {"channel": channel, "topic": topic})


@dataclass(frozen=True)
class LiveItem:
    """One row of a stream: its sequence number (the SSE id), an event name and its JSON data."""

    seq: int
    event: str
    data: Any


Fetch = Callable[[int], Awaitable[Sequence[LiveItem]]]


@dataclass
class LiveHub:
    """One API process's listener on a service's live channel, fanning wake-ups out per topic."""

    dsn: str
    channel: str
    _waiters: dict[str, set[asyncio.Event]] = field(default_factory=lambda: defaultdict(set))
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    # Bumped by every wake-up of a topic with open streams, and (all at once) by reconnections.
    _signals: dict[str, int] = field(default_factory=dict)
    _reconnections: int = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(
            listen(self.dsn, [self.channel], self._wake_all, self._stop, on_payload=self.wake)
        )

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def _wake_all(self) -> None:
        # Called on (re)connection: whatever committed meanwhile may concern any stream.
        self._reconnections += 1
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.set()

    def wake(self, topic: str) -> None:
        if topic in self._waiters:
            self._signals[topic] = self._signals.get(topic, 0) + 1
        for waiter in self._waiters.get(topic, ()):
            waiter.set()

    def generation(self, topic: str) -> tuple[int, int]:
        """A value that changes whenever `topic` may have new rows (a signal for it, or a
        reconnection of the listener), for a stream of the topic: while it is unchanged, the
        stream's fetch after a keepalive timeout can skip the database (nothing was committed)."""
        return (self._reconnections, self._signals.get(topic, 0))

    @property
    def streams(self) -> int:
        return sum(len(waiters) for waiters in self._waiters.values())

    @contextlib.contextmanager
    def subscription(self, topic: str) -> Any:
        waiter = asyncio.Event()
        self._waiters[topic].add(waiter)
        try:
            yield waiter
        finally:
            self._waiters[topic].discard(waiter)
            if not self._waiters[topic]:
                del self._waiters[topic]
                self._signals.pop(topic, None)


def last_event_id(request: Request, query_value: int | None = None) -> int:
    """Where a stream resumes: the `Last-Event-ID` header the browser sends on reconnection (or a
    query parameter for clients that cannot set headers); 0 = from the start."""
    header = request.headers.get("last-event-id")
    for value in (header, query_value):
        if value is None:
            continue
        try:
            return max(int(value), 0)
        except (TypeError, ValueError):
            continue
    return 0


async def _events(hub: LiveHub, topic: str, after: int, fetch: Fetch, request: Request) -> AsyncIterator[Any]:
    with hub.subscription(topic) as waiter:
        position = after
        while True:
            waiter.clear()
            for item in await fetch(position):
                position = max(position, item.seq)
                yield ServerSentEvent(data=dumps(item.data).decode(), event=item.event, id=str(item.seq))
            if await request.is_disconnected():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout=KEEPALIVE_SECONDS)


def live_response(
    hub: LiveHub, *, topic: str, after: int, fetch: Fetch, request: Request
) -> EventSourceResponse:
    """An SSE response streaming `fetch(after)` and then every new item of `topic` as it commits."""
    return EventSourceResponse(
        _events(hub, topic, after, fetch, request),
        ping=KEEPALIVE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
