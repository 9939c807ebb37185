"""The consumer hands runs of events to a batch handler at once (`Handlers.on_batch`), which is how
training assigns thousands of enrollments with a few statements: in delivery order, once per event
(inbox), and event by event when something in the batch fails."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import nats
import orjson
import pytest
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import EventConsumer, Handlers
from shared.db import create_engine, session_factory
from shared.events import CloudEvent, Event, EventType
from shared.messaging_tables import messaging_tables
from shared.streams import ensure_deadletter_stream, ensure_service_stream
from tests.conftest import Platform

SOURCE = "batchtest"


class Counted(Event):
    """Handled in batches (test-only event)."""

    event_type: ClassVar[EventType] = EventType(SOURCE, "item", "counted", 1)
    name: str


class Single(Event):
    """Handled one at a time (test-only event)."""

    event_type: ClassVar[EventType] = EventType(SOURCE, "item", "single", 1)
    name: str


@pytest.fixture
async def consumer_parts(platform: Platform) -> AsyncIterator[tuple[Any, Any, Any, str]]:
    schema = f"batch_{uuid.uuid4().hex[:8]}"
    namespace = f"b{uuid.uuid4().hex[:8]}"
    metadata = MetaData(schema=schema)
    inbox = messaging_tables(metadata).inbox
    engine = create_engine(platform.database_url, pool_size=2)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(lambda sync: inbox.create(sync))
    connection = await nats.connect(platform.nats_url)
    js = connection.jetstream()
    await ensure_service_stream(js, namespace=namespace, service=SOURCE)
    await ensure_deadletter_stream(js, namespace=namespace)
    try:
        yield js, session_factory(engine), inbox, namespace
    finally:
        for stream in (f"{namespace}_{SOURCE}".upper(), f"{namespace}_DEADLETTER".upper()):
            with contextlib.suppress(Exception):
                await js.delete_stream(stream)
        await connection.close()
        async with engine.begin() as db:
            await db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


def wrap(events: list[Event]) -> list[CloudEvent]:
    return [CloudEvent.wrap(event, organization="org-batch", subject=None) for event in events]


async def fetch(consumer: EventConsumer, js: Any, envelopes: list[CloudEvent]) -> list[Any]:
    """Publish `envelopes` and fetch them as one batch, as the consumer's loop would."""
    for envelope in envelopes:
        await js.publish(
            f"{consumer.namespace}.{'.'.join(envelope.type.split('.')[1:-1])}",
            orjson.dumps(envelope.model_dump(mode="json")),
        )
    await consumer.ensure()
    subscription = await js.pull_subscribe_bind(consumer.name, stream=consumer.stream)
    messages = await subscription.fetch(len(envelopes), timeout=5)
    await subscription.unsubscribe()
    return list(messages)


async def test_runs_of_events_reach_a_batch_handler_together_in_order(
    consumer_parts: tuple[Any, Any, Any, str],
) -> None:
    js, sessions, inbox, namespace = consumer_parts
    calls: list[list[str]] = []
    handlers = Handlers()

    @handlers.on_batch(Counted)
    async def on_counted(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
        calls.append([event.name for _, event in events])

    @handlers.on(Single)
    async def on_single(session: AsyncSession, envelope: CloudEvent, event: Single) -> None:
        calls.append([f"single:{event.name}"])

    consumer = EventConsumer(
        name="batch", source_service=SOURCE, handlers=handlers, sessions=sessions, inbox=inbox,
        js=js, namespace=namespace,
    )  # fmt: skip
    events: list[Event] = [
        Counted(name="a"), Counted(name="b"), Single(name="c"), Counted(name="d"), Counted(name="e"),
        Counted(name="f"),
    ]  # fmt: skip
    envelopes = wrap(events)
    messages = await fetch(consumer, js, envelopes)
    await consumer.handle_batch(messages)
    assert calls == [["a", "b"], ["single:c"], ["d", "e", "f"]]
    assert all(message.is_acked for message in messages)

    # The same events again (an at-least-once publisher): the inbox keeps them from running twice.
    calls.clear()
    again = await fetch(consumer, js, envelopes)
    await consumer.handle_batch(again)
    assert calls == [] and all(message.is_acked for message in again)


async def test_a_failing_batch_is_redone_event_by_event(consumer_parts: tuple[Any, Any, Any, str]) -> None:
    js, sessions, inbox, namespace = consumer_parts
    applied: list[str] = []
    handlers = Handlers()

    @handlers.on_batch(Counted)
    async def on_counted(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
        if any(event.name == "bad" for _, event in events):
            raise RuntimeError("cannot apply this one")
        applied.extend(event.name for _, event in events)

    consumer = EventConsumer(
        name="batch", source_service=SOURCE, handlers=handlers, sessions=sessions, inbox=inbox,
        js=js, namespace=namespace, max_deliver=5,
    )  # fmt: skip
    messages = await fetch(
        consumer, js, wrap([Counted(name="ok1"), Counted(name="bad"), Counted(name="ok2")])
    )
    await consumer.handle_batch(messages)
    # The good events were applied one at a time; the bad one was not, and will be redelivered.
    assert applied == ["ok1", "ok2"]
    async with sessions() as session:
        recorded = await session.scalar(text(f'SELECT count(*) FROM "{inbox.schema}".inbox'))
    assert recorded == 2
