"""Profiles events reach consumers through the outbox and NATS: exactly once, traced, whatever fails."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from mentorship.embedded import EmbeddedNats
from shared.consumer import EventConsumer, Handlers
from shared.contracts.profiles import PersonCreated, PersonUpdated
from shared.db import create_engine, session_factory
from shared.events import CloudEvent
from shared.messaging_tables import messaging_tables
from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.profiles.conftest import person_body
from tests.toolkit import eventually_value, settled


@dataclass
class RecordingConsumer:
    """A consuming service of the test's own: its inbox, and every effect it committed."""

    platform: Platform
    nats_url: str
    organization: str  # the stream also holds other tests' events: only this organization's count
    schema: str = field(default_factory=lambda: f"rc_{uuid.uuid4().hex[:10]}")
    seen_trace_ids: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.metadata = MetaData(schema=self.schema)
        self.inbox = messaging_tables(self.metadata).inbox
        # No unique constraint: an event applied twice would show as two rows.
        self.effects = Table(
            "effects",
            self.metadata,
            Column("event_id", Uuid, nullable=False),
            Column("person_id", Uuid, nullable=False),
            Column("type", String, nullable=False),
        )
        self.engine = create_engine(self.platform.database_url, pool_size=3)
        self.handlers = Handlers()
        self.handlers.on(PersonCreated, PersonUpdated)(self.record)

    async def record(self, session: AsyncSession, envelope: CloudEvent, event: Any) -> None:
        if envelope.organization != self.organization:
            return
        # The consumer binds the event's trace context to its logs.
        self.seen_trace_ids[str(envelope.id)] = structlog.contextvars.get_contextvars().get("trace_id")
        await session.execute(
            self.effects.insert().values(event_id=envelope.id, person_id=event.person.id, type=envelope.type)
        )

    async def counts(self) -> tuple[int, int]:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(func.count(), func.count(func.distinct(self.effects.c.event_id)))
                )
            ).one()
        return int(row[0]), int(row[1])

    async def committed(self, expected: int, timeout: float = 60) -> tuple[int, int]:
        """The counts once at least `expected` effects were committed."""
        return await eventually_value(
            self.counts, lambda counts: counts[0] >= expected, timeout=timeout, what=f"{expected} effects"
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            await connection.run_sync(self.metadata.create_all)
        connection = await nats.connect(self.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        consumer = EventConsumer(
            name="recorder",
            source_service="profiles",
            handlers=self.handlers,
            sessions=session_factory(self.engine),
            inbox=self.inbox,
            js=connection.jetstream(),
            namespace=self.platform.namespace,
            fetch_timeout=0.3,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            await connection.close()
            async with self.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            await self.engine.dispose()


async def test_every_profiles_event_arrives_exactly_once_though_nats_was_down_during_500_writes(
    platform: Platform, own_nats: EmbeddedNats, auth: AuthHeaders
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    recorder = RecordingConsumer(platform, own_nats.url, organization)
    async with (
        service_client("profiles", platform, nats_url=own_nats.url) as client,
        running_workers(platform, "profiles", nats_url=own_nats.url),
        recorder.running(),
    ):
        first = await client.post("/v1/people", json=person_body(), headers=admin)
        assert first.status_code == 201
        assert await recorder.committed(1) == (1, 1)

        own_nats.stop()
        for _ in range(50):
            responses = await asyncio.gather(
                *(client.post("/v1/people", json=person_body(), headers=admin) for _ in range(10))
            )
            assert all(response.status_code == 201 for response in responses)  # writes don't need NATS
        own_nats.start()

        assert await recorder.committed(501, timeout=90) == (501, 501)
        # ... and nothing arrives twice later: once the recorder has acknowledged the whole stream.
        await settled(
            nats_url=own_nats.url,
            namespace=platform.namespace,
            consumers=[("recorder", "profiles")],
            database_url=platform.database_url,
            outboxes=["profiles"],
        )
        assert await recorder.counts() == (501, 501)


async def test_trace_context_flows_from_http_through_the_outbox_and_nats_into_the_consumer(
    platform: Platform, auth: AuthHeaders
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    trace = uuid.uuid4().hex
    recorder = RecordingConsumer(platform, platform.nats_url, organization)
    async with (
        service_client("profiles", platform) as client,
        running_workers(platform, "profiles"),
        recorder.running(),
    ):
        response = await client.post(
            "/v1/people",
            json=person_body(),
            headers={**admin, "traceparent": f"00-{trace}-{'ab' * 8}-01", "x-request-id": "req-trace-1"},
        )
        assert response.status_code == 201
        assert await recorder.committed(1) == (1, 1)

    # The NATS message carried the trace in its headers and in the CloudEvent.
    connection = await nats.connect(platform.nats_url)
    js = connection.jetstream()
    subscription = await js.subscribe(
        PersonCreated.event_type.subject(platform.namespace), ordered_consumer=True
    )
    found = None
    with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
        while found is None:
            message = await subscription.next_msg(timeout=2)
            envelope = CloudEvent.model_validate_json(message.data)
            if envelope.organization == organization:
                found = (message, envelope)
    await connection.close()
    assert found is not None
    message, envelope = found
    assert message.headers is not None
    assert message.headers["traceparent"].split("-")[1] == trace
    assert message.headers["X-Request-Id"] == "req-trace-1"
    assert message.headers["Nats-Msg-Id"] == str(envelope.id)
    assert envelope.traceparent is not None and envelope.traceparent.split("-")[1] == trace
    assert envelope.requestid == "req-trace-1"
    # ... and the consumer's logs were bound to the same trace while it handled the event.
    assert recorder.seen_trace_ids[str(envelope.id)] == trace
