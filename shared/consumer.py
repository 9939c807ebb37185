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
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.context import bind
from shared.events import CloudEvent, Event, service_subjects, stream_name
from shared.logging import get_logger
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


class PoisonEvent(Exception):
    """Raised by a handler for an event that can never be applied; it is parked at once."""


class _HandlerFailed(Exception):
    """A handler failed on the fast path: redo the batch event by event."""


class Handlers:
    """Maps event types to handler functions: one function per event type."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}

    def on(self, *models: type[Event]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for model in models:
                self._by_type[model.event_type.name] = handler
            return handler

        return register

    def get(self, event_type: str) -> Handler | None:
        return self._by_type.get(event_type)

    @property
    def types(self) -> list[str]:
        return sorted(self._by_type)


def retry_delay(deliveries: int) -> float:
    """Backoff before the next delivery: 1 s, 4 s, 16 s, ... capped at 5 minutes."""
    return float(min(4 ** max(deliveries - 1, 0), 300))


@dataclass
class _Parsed:
    msg: Msg
    envelope: CloudEvent
    data: Event
    handler: Handler


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
        ack_wait: float = 30.0,
        fetch_timeout: float = 1.0,
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

    async def ensure(self) -> None:
        """Create the durable consumer if it does not exist (idempotent)."""
        try:
            await self.js.consumer_info(self.stream, self.name)
        except NotFoundError:
            await self.js.add_consumer(
                self.stream,
                ConsumerConfig(
                    durable_name=self.name,
                    filter_subject=service_subjects(self.namespace, self.source_service),
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    ack_wait=self.ack_wait,
                    # Parking is ours (after `max_deliver`); the server's limit is only a backstop
                    # for a process that crashes before it can park.
                    max_deliver=self.max_deliver + 5,
                    max_ack_pending=20_000,
                ),
            )

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
                if self.batch_size > 1:
                    with contextlib.suppress(TimeoutError):
                        messages += await subscription.fetch(self.batch_size - 1, timeout=0.005)
                await self.handle_batch(messages)
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

    async def handle_batch(self, messages: list[Msg]) -> None:
        parsed: list[_Parsed] = []
        for msg in messages:
            if msg.metadata.num_delivered > 1:
                CONSUMER_REDELIVERED.labels(self.name).inc()
            try:
                envelope = CloudEvent.model_validate_json(msg.data)
            except ValidationError as exc:
                await self.park(
                    msg, f"not a valid CloudEvent: {exc.error_count()} errors: {exc.errors()[0]['msg']}"
                )
                continue
            handler = self.handlers.get(envelope.type)
            if handler is None:
                await msg.ack()  # an event this service does not care about
                continue
            try:
                data = envelope.parse_data()
            except (ValidationError, LookupError) as exc:
                await self.park(msg, f"data does not match {envelope.type}: {exc}")
                continue
            parsed.append(_Parsed(msg, envelope, data, handler))
        if not parsed:
            return

        try:
            outcomes = await self._apply_batch(parsed)
        except Exception as exc:
            # The batch as a whole did not commit (database unreachable): nothing took effect.
            _log.warning(
                "consumer batch not committed; will be redelivered", consumer=self.name, error=repr(exc)
            )
            CONSUMER_FAILED.labels(self.name, "batch").inc(len(parsed))
            for item in parsed:
                with contextlib.suppress(Exception):
                    await item.msg.nak(delay=retry_delay(item.msg.metadata.num_delivered))
            return
        for item, error in zip(parsed, outcomes, strict=True):
            msg = item.msg
            if error is None:
                await msg.ack()
                continue
            deliveries = msg.metadata.num_delivered
            poison = isinstance(error, PoisonEvent)
            if poison or deliveries >= self.max_deliver:
                CONSUMER_FAILED.labels(self.name, "poison" if poison else "exhausted").inc()
                await self.park(msg, f"{type(error).__name__}: {error}")
            else:
                CONSUMER_FAILED.labels(self.name, "transient").inc()
                await msg.nak(delay=retry_delay(deliveries))

    async def _apply_batch(self, parsed: list[_Parsed]) -> list[BaseException | None]:
        """Apply a batch in one transaction; each item's outcome (None = applied or duplicate).

        Fast path: one inbox insert for the whole batch, then every handler, then one commit. If a
        handler fails, the batch is redone with a savepoint per event, so one bad event cannot
        undo the others.
        """
        try:
            async with self.sessions() as session, session.begin():
                fresh = await self._record_in_inbox(session, parsed)
                for item in parsed:
                    if item.envelope.id in fresh:
                        fresh.discard(item.envelope.id)  # the same event twice in one batch: once
                        await self._handle(item)(session)
            return [None] * len(parsed)
        except _HandlerFailed:
            pass
        outcomes: list[BaseException | None] = []
        async with self.sessions() as session, session.begin():
            for item in parsed:
                outcomes.append(await self._apply(session, item))
        return outcomes

    async def _record_in_inbox(self, session: AsyncSession, parsed: list[_Parsed]) -> set[Any]:
        """Insert the batch's event ids into the inbox; the ids not seen before."""
        rows = [
            {"consumer": self.name, "event_id": item.envelope.id, "event_type": item.envelope.type}
            for item in parsed
        ]
        recorded = await session.execute(
            insert(self.inbox).values(rows).on_conflict_do_nothing().returning(self.inbox.c.event_id)
        )
        fresh = set(recorded.scalars())
        duplicates = len({item.envelope.id for item in parsed}) - len(fresh)
        if duplicates:
            CONSUMER_DUPLICATES.labels(self.name).inc(duplicates)
        return fresh

    def _handle(self, item: _Parsed) -> Callable[[AsyncSession], Awaitable[None]]:
        async def handle(session: AsyncSession) -> None:
            envelope = item.envelope
            bind(request_id=envelope.requestid, traceparent=envelope.traceparent)
            try:
                await item.handler(session, envelope, item.data)
            except Exception as exc:
                raise _HandlerFailed from exc
            finally:
                structlog.contextvars.unbind_contextvars("request_id", "trace_id")
            CONSUMER_HANDLED.labels(self.name, envelope.type).inc()
            _log.debug(
                "event handled", consumer=self.name, event_id=str(envelope.id), event_type=envelope.type
            )

        return handle

    async def _apply(self, session: AsyncSession, item: _Parsed) -> BaseException | None:
        envelope = item.envelope
        bind(request_id=envelope.requestid, traceparent=envelope.traceparent)
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
            log.warning("event handler failed", error=repr(exc), deliveries=item.msg.metadata.num_delivered)
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
