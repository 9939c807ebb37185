"""Transactional outbox: events are written with the state change and relayed to JetStream.

`Outbox.add` inserts the event row in the caller's transaction. `OutboxRelay` claims unpublished
rows with `FOR UPDATE SKIP LOCKED` (so relay replicas share the work), publishes them with
`Nats-Msg-Id` = event id (so the stream drops a re-publish after a crash), and marks them
published only after the server acknowledged them. It retries forever with capped backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import APIError, NoStreamResponseError
from sqlalchemy import (
    ARRAY,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.context import actor_var, child_traceparent, request_id_var, traceparent_var
from shared.events import CloudEvent, Event
from shared.logging import get_logger
from shared.messaging_tables import outbox_channel
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED

_log = get_logger("shared.outbox")


class Outbox:
    """Writes events into a service's outbox table within the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def _row(
        self, event: Event, *, organization: str, subject: str | None
    ) -> tuple[CloudEvent, dict[str, Any]]:
        traceparent = child_traceparent(traceparent_var.get())
        request_id = request_id_var.get()
        envelope = CloudEvent.wrap(
            event,
            organization=organization,
            subject=subject,
            traceparent=traceparent,
            request_id=request_id,
            actor=actor_var.get(),
        )
        headers = {"traceparent": traceparent, "Ce-Type": envelope.type}
        if request_id:
            headers["X-Request-Id"] = request_id
        event_type = event.event_type
        row = {
            "id": envelope.id,
            "subject": f"{event_type.service}.{event_type.entity}.{event_type.action}",
            # The envelope's JSON straight from its serializer (no dict of it in between).
            "payload": _ENVELOPE_JSON.to_json(envelope),
            "headers": headers,
        }
        return envelope, row

    async def add(
        self, session: AsyncSession, event: Event, *, organization: str, subject: str | None
    ) -> CloudEvent:
        """Record `event` in the current transaction; it is published only if the transaction commits."""
        envelope, row = self._row(event, organization=organization, subject=subject)
        await session.execute(self.table.insert().values(**row))
        return envelope

    async def add_many(
        self, session: AsyncSession, events: Sequence[tuple[Event, str, str | None]]
    ) -> list[CloudEvent]:
        """`add` for many `(event, organization, subject)` at once: one batched insert instead of a
        round trip per event (a matching round publishes thousands)."""
        envelopes: list[CloudEvent] = []
        rows: list[dict[str, Any]] = []
        for event, organization, subject in events:
            envelope, row = self._row(event, organization=organization, subject=subject)
            envelopes.append(envelope)
            rows.append(row)
        if len(rows) == 1:
            await session.execute(self.table.insert(), rows)
        elif rows:
            # One statement for all (each column an array), its rows in the order given: `seq`, the
            # order the relay publishes in, follows it.
            await session.execute(
                _insert_many(self.table),
                {
                    "ids": [row["id"] for row in rows],
                    "subjects": [row["subject"] for row in rows],
                    "payloads": [row["payload"] for row in rows],
                    "headers": [orjson.dumps(row["headers"]).decode() for row in rows],
                },
            )
        return envelopes


_ENVELOPE_JSON = CloudEvent.__pydantic_serializer__


def _insert_many(table: Table) -> Any:
    """`INSERT INTO outbox (id, subject, payload, headers) SELECT ... FROM unnest(:ids, :subjects,
    :payloads, :headers) ORDER BY ordinality`."""
    events = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Uuid)),
            bindparam("subjects", type_=ARRAY(String)),
            bindparam("payloads", type_=ARRAY(LargeBinary)),
            cast(bindparam("headers", type_=ARRAY(Text)), ARRAY(JSONB)),
        )
        .table_valued("id", "subject", "payload", "headers", with_ordinality="position")
        .render_derived(name="event")
    )
    return insert(table).from_select(
        ["id", "subject", "payload", "headers"],
        select(events.c.id, events.c.subject, events.c.payload, events.c.headers).order_by(events.c.position),
    )


AfterPublish = Callable[[Sequence[str]], Awaitable[None]]
_WAITING = object()


class _Acks:
    """The server's acknowledgements of one published batch, as they arrive."""

    def __init__(self, size: int) -> None:
        self.outcomes: list[Any] = [_WAITING] * size
        self.waiting = size
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def settle(self, index: int, outcome: BaseException | None) -> None:
        if 0 <= index < len(self.outcomes) and self.outcomes[index] is _WAITING:
            self.outcomes[index] = outcome
            self.waiting -= 1
            if not self.waiting and not self.done.done():
                self.done.set_result(None)


class BatchPublisher:
    """Publishes a batch of messages to JetStream and collects the server's acknowledgement of each.

    What `JetStreamContext.publish_async` does for every message (a future, a token drawn from
    os.urandom, a semaphore, and for its ack two JSON decodings and a dataclass) was a third of the
    relay's CPU. Here one reply subscription serves every batch, a message's reply subject says which
    batch and which message it is, and the batch waits on one future."""

    def __init__(self, js: JetStreamContext) -> None:
        # nats-py has no public accessor for the client of a JetStream context.
        self.nc: NATS = js._nc
        self._prefix: str | None = None
        self._batches: dict[int, _Acks] = {}
        self._counter = 0

    async def publish(
        self, messages: Sequence[tuple[str, bytes, dict[str, str]]], *, timeout: float
    ) -> list[BaseException | None]:
        """Publish `(subject, payload, headers)` in order; each one's outcome (None: stored by the
        stream). Raises TimeoutError when some acknowledgement did not come within `timeout`."""
        if self._prefix is None:
            prefix = self.nc.new_inbox()
            await self.nc.subscribe(f"{prefix}.*.*", cb=self._on_ack)
            self._prefix = prefix
        self._counter += 1
        number, acks = self._counter, _Acks(len(messages))
        self._batches[number] = acks
        try:
            reply = f"{self._prefix}.{number}."
            for index, (subject, payload, headers) in enumerate(messages):
                await self.nc.publish(subject, payload, reply=f"{reply}{index}", headers=headers)
            if messages:
                await asyncio.wait_for(asyncio.shield(acks.done), timeout=timeout)
        finally:
            del self._batches[number]
        return list(acks.outcomes)

    async def _on_ack(self, msg: Msg) -> None:
        _, number, index = msg.subject.rsplit(".", 2)
        acks = self._batches.get(int(number))
        if acks is None:  # the answer to a batch that timed out
            return
        acks.settle(int(index), _ack_outcome(msg))


def _ack_outcome(msg: Msg) -> BaseException | None:
    """None when the server's answer says the stream stored the message, else the error."""
    if not msg.data:  # a status message: no stream took the subject (503)
        return NoStreamResponseError()
    try:
        answer = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        return APIError(description="unreadable acknowledgement")
    if "error" not in answer:
        return None
    try:
        APIError.from_error(answer["error"])  # raises the error the answer describes
    except APIError as exc:
        return exc
    except Exception:
        pass
    return APIError(description=str(answer["error"])[:200])


class OutboxRelay:
    """Publishes a service's outbox to JetStream; safe to run as several replicas."""

    def __init__(
        self,
        *,
        service: str,
        table: Table,
        sessions: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        namespace: str,
        listen_dsn: str | None = None,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        publish_timeout: float = 5.0,
        retention: timedelta = timedelta(hours=72),
        after_publish: AfterPublish | None = None,
    ) -> None:
        self.service = service
        self.table = table
        self.sessions = sessions
        self.js = js
        self.namespace = namespace
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.retention = retention
        # Fault-injection seam for tests: runs after the server acked, before rows are marked.
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self._publisher = BatchPublisher(js)

    async def relay_once(self) -> int:
        """Claim one batch, publish it, mark what the server acknowledged. Returns rows published."""
        table = self.table
        async with self.sessions() as session, session.begin():
            # A relay that hangs mid-batch must not hold its rows forever: the server ends the
            # transaction, another replica re-publishes them, and the stream drops the duplicates
            # (its duplicate window is far longer than this).
            await session.execute(text("SET LOCAL idle_in_transaction_session_timeout = '60s'"))
            rows = (
                await session.execute(
                    select(table.c.seq, table.c.id, table.c.subject, table.c.payload, table.c.headers)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            namespace = self.namespace
            results = await self._publisher.publish(
                [
                    (f"{namespace}.{row.subject}", row.payload, {**row.headers, "Nats-Msg-Id": str(row.id)})
                    for row in rows
                ],
                timeout=self.publish_timeout,
            )
            acked = [
                row.seq
                for row, result in zip(rows, results, strict=True)
                if not isinstance(result, BaseException)
            ]
            failed = [
                (row.seq, result)
                for row, result in zip(rows, results, strict=True)
                if isinstance(result, BaseException)
            ]
            if self.after_publish is not None:
                await self.after_publish([str(row.id) for row in rows])
            if acked:
                await session.execute(
                    update(table).where(table.c.seq.in_(acked)).values(published_at=func.now())
                )
            for seq, error in failed:
                await session.execute(
                    update(table)
                    .where(table.c.seq == seq)
                    .values(attempts=table.c.attempts + 1, last_error=repr(error)[:500])
                )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(acked))
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(rows)} events were not acknowledged: {failed[0][1]!r}")
        return len(acked)

    async def backlog(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
            )
        return int(count or 0)

    async def prune(self) -> int:
        """Delete rows published longer ago than the retention period."""
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                delete(self.table).where(self.table.c.published_at < func.now() - self.retention)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set: woken by NOTIFY on commit, polling as a fallback."""
        listener = asyncio.create_task(self._listen(stop))
        housekeeping = asyncio.create_task(self._housekeeping(stop))
        delay = 0.05
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    published = await self.relay_once()
                    delay = 0.05
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    OUTBOX_PUBLISH_FAILURES.labels(self.service).inc()
                    _log.warning("outbox relay batch failed; will retry", error=repr(exc), retry_in=delay)
                    await _sleep_or_stop(stop, delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if published >= self.batch_size:
                    continue  # more is waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_wake_or_stop(stop), timeout=self.poll_seconds)
        finally:
            for task in (listener, housekeeping):
                task.cancel()
            await asyncio.gather(listener, housekeeping, return_exceptions=True)

    async def _wait_wake_or_stop(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _listen(self, stop: asyncio.Event) -> None:
        if not self.listen_dsn:
            return
        channel = outbox_channel(self.table.schema or "public")
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(self.listen_dsn)
                try:
                    await connection.add_listener(channel, lambda *_: self._wake.set())
                    self._wake.set()  # catch up on anything committed while not listening
                    while not stop.is_set() and not connection.is_closed():
                        await _sleep_or_stop(stop, 5.0)
                        await connection.execute("SELECT 1")
                finally:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.info("outbox listener reconnecting", error=repr(exc))
                await _sleep_or_stop(stop, 1.0)

    async def _housekeeping(self, stop: asyncio.Event) -> None:
        ticks = 0
        while not stop.is_set():
            try:
                OUTBOX_BACKLOG.labels(self.service).set(await self.backlog())
                if ticks % 60 == 0:
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.info("outbox housekeeping failed", error=repr(exc))
            ticks += 1
            await _sleep_or_stop(stop, 5.0)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
