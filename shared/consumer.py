"""Durable JetStream pull consumers with an inbox, so every event takes effect exactly once.

A batch is handled in one database transaction with a savepoint per event: the inbox row
(consumer, event id) and the handler's effect commit together, and messages are acked only
after the commit. A redelivered event finds its inbox row and is acked without effect.
Transient failures are nak'ed with a growing delay; poison (an envelope or data that can never
be valid, or a handler raising `PoisonEvent`) and events that failed `max_deliver` times are
parked in the dead-letter stream for an operator to inspect and replay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import String, Table, Uuid, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from shared.context import Actor, actor_var, bind
from shared.events import CloudEvent, Event, service_subjects, stream_name
from shared.logging import describe_error, get_logger
from shared.metrics import (
    CONSUMER_DUPLICATES,
    CONSUMER_FAILED,
    CONSUMER_HANDLED,
    CONSUMER_PARKED,
    CONSUMER_REDELIVERED,
)
from shared.streams import deadletter_subject

_log = get_logger("shared.consumer")

E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, CloudEvent, Any], Awaitable[None]]
# A handler of many events at once (`Handlers.on_batch`): (envelope, event) pairs in delivery order.
BatchHandler = Callable[[AsyncSession, list[tuple[CloudEvent, Any]]], Awaitable[None]]


class PoisonEvent(Exception):
    """Raised by a handler for an event that can never be applied; it is parked at once."""


class _HandlerFailed(Exception):
    """A handler failed on the fast path: redo the batch event by event."""


class Handlers:
    """Maps event types to handler functions: one function per event type."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._batches: dict[str, BatchHandler] = {}

    def on(self, *models: type[Event]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for model in models:
                self._by_type[model.event_type.name] = handler
            return handler

        return register

    def on_batch(self, *models: type[Event]) -> Callable[[BatchHandler], BatchHandler]:
        """Register one function for events of `models` that arrive together: a run of consecutive
        such events in a fetched batch is handed over at once, in delivery order, so it can apply
        them with set-based statements. When a batch is redone event by event (some handler
        failed), it gets one event at a time."""

        def register(handler: BatchHandler) -> BatchHandler:
            async def one(session: AsyncSession, envelope: CloudEvent, event: Any) -> None:
                await handler(session, [(envelope, event)])

            for model in models:
                self._by_type[model.event_type.name] = one
                self._batches[model.event_type.name] = handler
            return handler

        return register

    def get(self, event_type: str) -> Handler | None:
        return self._by_type.get(event_type)

    def get_batch(self, event_type: str) -> BatchHandler | None:
        """The batch handler of `event_type`, if it was registered with `on_batch`."""
        return self._batches.get(event_type)

    @property
    def types(self) -> list[str]:
        return sorted(self._by_type)


def retry_delay(deliveries: int) -> float:
    """Backoff before the next delivery: 1 s, 4 s, 16 s, ... capped at 5 minutes."""
    return float(min(4 ** max(deliveries - 1, 0), 300))


@dataclass(slots=True)
class _Parsed:
    msg: Msg
    envelope: CloudEvent
    data: Event
    handler: Handler
    # The handler of runs of events of this type (`Handlers.on_batch`), if it has one.
    batch_handler: BatchHandler | None = None


def deliveries(msg: Msg) -> int:
    """How many times `msg` was delivered. Read from the ack subject's token
    (`$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`) without
    building nats-py's metadata object, which costs more than validating a small event; any other
    layout (a JetStream domain) goes through nats-py."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == 9 and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[4])
    return int(msg.metadata.num_delivered)


def pending(msg: Msg) -> int:
    """How many more messages the consumer had waiting for it when `msg` was delivered."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == 9 and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[8])
    return int(msg.metadata.num_pending)


def inbox_insert(inbox: Table) -> ReturningInsert[tuple[Any]]:
    """`INSERT INTO inbox SELECT :consumer, unnest(:event_ids), unnest(:event_types) ON CONFLICT DO
    NOTHING RETURNING event_id`: a whole batch's inbox rows in one statement whose SQL never changes
    with the batch's size, so it is compiled and prepared once (a multi-row VALUES list is compiled
    afresh for every batch, which cost more than the rest of the batch)."""
    rows = select(
        bindparam("consumer", type_=String),
        func.unnest(bindparam("event_ids", type_=ARRAY(Uuid))),
        func.unnest(bindparam("event_types", type_=ARRAY(String))),
    )
    return (
        insert(inbox)
        .from_select(["consumer", "event_id", "event_type"], rows)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )


class EventConsumer:
    """One durable pull consumer of one publishing service's stream, shared by all replicas."""

    def __init__(
        self,
        *,
        name: str,
        source_service: str,
        handlers: Handlers,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        js: JetStreamContext,
        namespace: str,
        batch_size: int = 256,
        max_deliver: int = 5,
        ack_wait: float = 10.0,
        fetch_timeout: float = 1.0,
        inactive_threshold: float | None = None,
    ) -> None:
        self.name = name
        self.source_service = source_service
        self.handlers = handlers
        self.sessions = sessions
        self.inbox = inbox
        self.js = js
        self.namespace = namespace
        self.stream = stream_name(namespace, source_service)
        self.batch_size = batch_size
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.fetch_timeout = fetch_timeout
        # Set for a consumer of passing use (a replay): the server deletes it once unused this long.
        self.inactive_threshold = inactive_threshold
        self._inbox_insert = inbox_insert(inbox)

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.name,
            filter_subject=service_subjects(self.namespace, self.source_service),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            # Parking is ours (after `max_deliver`); the server's limit is only a backstop
            # for a process that crashes before it can park.
            max_deliver=self.max_deliver + 5,
            max_ack_pending=20_000,
            inactive_threshold=self.inactive_threshold,
        )

    async def ensure(self) -> None:
        """Create the durable consumer, or bring its ack wait to ours (idempotent)."""
        try:
            info = await self.js.consumer_info(self.stream, self.name)
        except NotFoundError:
            await self.js.add_consumer(self.stream, self._config())
            return
        if info.config.ack_wait is not None and abs(info.config.ack_wait - self.ack_wait) > 0.001:
            # A consumer created with another ack wait (an older release): update it in place.
            await self.js.add_consumer(self.stream, self._config())

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle batches until `stop` is set; survives NATS and database outages."""
        subscription = None
        failures = 0
        while not stop.is_set():
            try:
                if subscription is None:
                    await self.ensure()
                    subscription = await self.js.pull_subscribe_bind(self.name, stream=self.stream)
                    failures = 0
                try:
                    # Wait for the first message alone (a pull for a whole batch would be held by the
                    # server until the batch fills or expires), then take what else is already there.
                    messages = await subscription.fetch(1, timeout=self.fetch_timeout)
                except TimeoutError:
                    continue
                waiting = min(self.batch_size - 1, pending(messages[-1]))
                if waiting > 0:
                    # As many as the server says are waiting (at most a batch), so the pull ends
                    # as soon as they are here, however long a loaded machine takes to deliver
                    # them; with nothing waiting, no second pull at all.
                    with contextlib.suppress(TimeoutError):
                        messages += await subscription.fetch(waiting, timeout=self.fetch_timeout)
                await self._handle_held(messages)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if isinstance(exc, NotFoundError) and subscription is None:
                    # The publisher has not created its stream yet (it starts later, or has never
                    # run): say so once, then wait quietly with a growing pause.
                    log = _log.warning if failures == 1 else _log.debug
                    log("source stream not there yet; waiting", consumer=self.name, stream=self.stream)
                else:
                    _log.warning("consumer loop error; retrying", consumer=self.name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(0.25 * 2 ** min(failures, 5), 5.0))
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
                    subscription = None
        if subscription is not None:
            # A pull reply arriving after the last fetch would sit in the subscription's queue and
            # hold the connection's drain() for its whole timeout (30 s) at shutdown.
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _handle_held(self, messages: list[Msg]) -> None:
        """Handle a fetched batch while telling the server it is in progress (`+WPI`), so the ack
        wait can be short without redelivering a slow batch; if the worker is cancelled mid-batch
        (shutdown), give the messages back at once (`nak`) rather than after the ack wait."""
        keepalive = asyncio.create_task(self._keep_in_progress(messages))
        try:
            await self.handle_batch(messages)
        except asyncio.CancelledError:
            for msg in messages:
                if not msg.is_acked:
                    with contextlib.suppress(Exception):
                        await msg.nak()
            raise
        finally:
            keepalive.cancel()

    async def _keep_in_progress(self, messages: list[Msg]) -> None:
        while True:
            await asyncio.sleep(self.ack_wait / 3)
            for msg in messages:
                if not msg.is_acked:
                    with contextlib.suppress(Exception):
                        await msg.in_progress()

    async def handle_batch(self, messages: list[Msg]) -> None:
        parsed: list[_Parsed] = []
        redelivered = 0
        handlers = self.handlers
        for msg in messages:
            if deliveries(msg) > 1:
                redelivered += 1
            try:
                # orjson, then the envelope from the dict: a third cheaper than pydantic's JSON mode
                # here, and the same validation (every field checked, the data kept as a dict).
                envelope = CloudEvent.model_validate(orjson.loads(msg.data))
            except orjson.JSONDecodeError as exc:
                await self.park(msg, f"not a valid CloudEvent: not JSON: {exc}")
                continue
            except ValidationError as exc:
                await self.park(
                    msg, f"not a valid CloudEvent: {exc.error_count()} errors: {exc.errors()[0]['msg']}"
                )
                continue
            handler = handlers.get(envelope.type)
            if handler is None:
                await msg.ack()  # an event this service does not care about
                continue
            try:
                data = envelope.parse_data()
            except (ValidationError, LookupError) as exc:
                await self.park(msg, f"data does not match {envelope.type}: {exc}")
                continue
            parsed.append(_Parsed(msg, envelope, data, handler, handlers.get_batch(envelope.type)))
        if redelivered:
            CONSUMER_REDELIVERED.labels(self.name).inc(redelivered)
        if not parsed:
            return

        try:
            outcomes = await self._apply_batch(parsed)
        except Exception as exc:
            # The batch as a whole did not commit (database unreachable): nothing took effect.
            _log.warning(
                "consumer batch not committed; will be redelivered",
                consumer=self.name,
                error=describe_error(exc),
            )
            CONSUMER_FAILED.labels(self.name, "batch").inc(len(parsed))
            for item in parsed:
                with contextlib.suppress(Exception):
                    await item.msg.nak(delay=retry_delay(item.msg.metadata.num_delivered))
            return
        if outcomes is None:  # the fast path: every event applied (or a duplicate)
            for item in parsed:
                await item.msg.ack()
            return
        for item, error in zip(parsed, outcomes, strict=True):
            msg = item.msg
            if error is None:
                await msg.ack()
                continue
            delivered = msg.metadata.num_delivered
            poison = isinstance(error, PoisonEvent)
            if poison or delivered >= self.max_deliver:
                CONSUMER_FAILED.labels(self.name, "poison" if poison else "exhausted").inc()
                await self.park(msg, describe_error(error))
            else:
                CONSUMER_FAILED.labels(self.name, "transient").inc()
                await msg.nak(delay=retry_delay(delivered))

    async def _apply_batch(self, parsed: list[_Parsed]) -> list[BaseException | None] | None:
        """Apply a batch in one transaction; None when every event was applied (or was a
        duplicate), else each item's outcome (None = applied or duplicate).

        Fast path: one inbox insert for the whole batch, then every handler (a run of events with a
        batch handler in one call), then one commit. If a handler fails, the batch is redone with a
        savepoint per event, so one bad event cannot undo the others.
        """
        try:
            async with self.sessions() as session, session.begin():
                fresh = await self._record_in_inbox(session, parsed)
                first_seen: list[_Parsed] = []
                for item in parsed:
                    if item.envelope.id in fresh:
                        fresh.discard(item.envelope.id)  # the same event twice in one batch: once
                        first_seen.append(item)
                start = 0
                while start < len(first_seen):
                    batch_handler = first_seen[start].batch_handler
                    if batch_handler is None:
                        await self._handle(first_seen[start])(session)
                        start += 1
                        continue
                    end = start + 1
                    while end < len(first_seen) and first_seen[end].batch_handler is batch_handler:
                        end += 1
                    await self._handle_run(batch_handler, first_seen[start:end])(session)
                    start = end
        except _HandlerFailed:
            pass
        else:
            handled = Counter(item.envelope.type for item in first_seen)
            for event_type, count in handled.items():
                CONSUMER_HANDLED.labels(self.name, event_type).inc(count)
            _log.debug("events handled", consumer=self.name, events=len(first_seen))
            return None
        outcomes: list[BaseException | None] = []
        async with self.sessions() as session, session.begin():
            for item in parsed:
                outcomes.append(await self._apply(session, item))
        return outcomes

    async def _record_in_inbox(self, session: AsyncSession, parsed: list[_Parsed]) -> set[Any]:
        """Insert the batch's event ids into the inbox; the ids not seen before."""
        recorded = await session.execute(
            self._inbox_insert,
            {
                "consumer": self.name,
                "event_ids": [item.envelope.id for item in parsed],
                "event_types": [item.envelope.type for item in parsed],
            },
        )
        fresh = set(recorded.scalars())
        duplicates = len({item.envelope.id for item in parsed}) - len(fresh)
        if duplicates:
            CONSUMER_DUPLICATES.labels(self.name).inc(duplicates)
        return fresh

    def _actor(self, envelope: CloudEvent) -> Actor:
        """What a handler changes is done by the platform, as this consumer reacting to this event
        (who caused the event itself is in its envelope, and the trace id links the two)."""
        return Actor.platform(f"{self.name}:{envelope.type}")

    def _handle(self, item: _Parsed) -> Callable[[AsyncSession], Awaitable[None]]:
        async def handle(session: AsyncSession) -> None:
            envelope = item.envelope
            bind(request_id=envelope.requestid, traceparent=envelope.traceparent)
            actor_var.set(self._actor(envelope))
            try:
                await item.handler(session, envelope, item.data)
            except Exception as exc:
                raise _HandlerFailed from exc
            finally:
                structlog.contextvars.unbind_contextvars("request_id", "trace_id")

        return handle

    def _handle_run(
        self, handler: BatchHandler, items: list[_Parsed]
    ) -> Callable[[AsyncSession], Awaitable[None]]:
        async def handle(session: AsyncSession) -> None:
            first = items[0].envelope
            bind(request_id=first.requestid, traceparent=first.traceparent)
            actor_var.set(self._actor(first))
            try:
                await handler(session, [(item.envelope, item.data) for item in items])
            except Exception as exc:
                raise _HandlerFailed from exc
            finally:
                structlog.contextvars.unbind_contextvars("request_id", "trace_id")

        return handle

    async def _apply(self, session: AsyncSession, item: _Parsed) -> BaseException | None:
        envelope = item.envelope
        bind(request_id=envelope.requestid, traceparent=envelope.traceparent)
        actor_var.set(self._actor(envelope))
        log = _log.bind(consumer=self.name, event_id=str(envelope.id), event_type=envelope.type)
        try:
            async with session.begin_nested():
                recorded = await session.execute(
                    insert(self.inbox)
                    .values(consumer=self.name, event_id=envelope.id, event_type=envelope.type)
                    .on_conflict_do_nothing()
                    .returning(self.inbox.c.event_id)
                )
                if recorded.first() is None:
                    CONSUMER_DUPLICATES.labels(self.name).inc()
                    log.debug("duplicate event ignored")
                    return None
                await item.handler(session, envelope, item.data)
        except Exception as exc:
            log.warning(
                "event handler failed", error=describe_error(exc), deliveries=item.msg.metadata.num_delivered
            )
            return exc
        finally:
            structlog.contextvars.unbind_contextvars("request_id", "trace_id")
        CONSUMER_HANDLED.labels(self.name, envelope.type).inc()
        log.debug("event handled")
        return None

    async def park(self, msg: Msg, reason: str) -> None:
        """Copy the message to the dead-letter stream with why, then stop its redelivery."""
        metadata = msg.metadata
        headers = dict(msg.headers or {})
        headers.update(
            {
                "Mentorship-Original-Subject": msg.subject,
                "Mentorship-Consumer": self.name,
                "Mentorship-Error": reason[:1000].replace("\r", " ").replace("\n", " "),
                "Mentorship-Deliveries": str(metadata.num_delivered),
                "Mentorship-Stream-Seq": str(metadata.sequence.stream),
                "Nats-Msg-Id": f"{self.name}:{self.stream}:{metadata.sequence.stream}",
            }
        )
        try:
            await self.js.publish(deadletter_subject(self.namespace, self.name), msg.data, headers=headers)
        except Exception as exc:
            _log.warning("could not park message; will be redelivered", consumer=self.name, error=repr(exc))
            await msg.nak(delay=retry_delay(metadata.num_delivered))
            return
        CONSUMER_PARKED.labels(self.name).inc()
        _log.error(
            "message parked in dead-letter stream", consumer=self.name, reason=reason, subject=msg.subject
        )
        await msg.term()


def envelope_summary(payload: bytes) -> dict[str, Any]:
    """Best-effort id and type of a raw message, for operator listings."""
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {"id": body.get("id"), "type": body.get("type"), "organization": body.get("organization")}
