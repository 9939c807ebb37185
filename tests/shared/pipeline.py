"""A throwaway publishing-and-consuming service for testing the event plumbing on real servers."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import nats
from nats.aio.client import Client as NATS
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.consumer import EventConsumer, Handlers
from shared.db import create_engine, session_factory
from shared.events import CloudEvent, Event, EventType
from shared.messaging_tables import MessagingTables, messaging_tables, outbox_notify_ddl
from shared.outbox import AfterPublish, Outbox, OutboxRelay
from shared.read_models import upsert_if_newer
from shared.streams import ensure_deadletter_stream, ensure_service_stream

SERVICE = "plumbingtest"


class ThingChanged(Event):
    """A thing's full state changed (test-only event)."""

    event_type: ClassVar[EventType] = EventType(SERVICE, "thing", "changed", 1)
    thing_id: str
    version: int
    name: str


@dataclass
class Pipeline:
    """Outbox, relay and one consumer of a test service, each in its own schema and namespace."""

    schema: str
    namespace: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    effects: Table
    things: Table
    nats_url: str
    handlers: Handlers = field(default_factory=Handlers)
    poison_ids: set[str] = field(default_factory=set)
    failing_ids: set[str] = field(default_factory=set)
    # Handler calls per thing (a redelivery the inbox deduplicates still counts here).
    calls: dict[str, int] = field(default_factory=dict)
    # How long handling each event takes.
    slow_seconds: float = 0.0
    # While set to an unset event, every handling waits for it (a worker stuck mid-batch).
    hold: asyncio.Event | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stops: list[asyncio.Event] = field(default_factory=list)
    _connections: list[NATS] = field(default_factory=list)

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.tables.outbox)

    async def write(self, count: int, *, organization: str = "org-test", versions: int = 1) -> list[str]:
        """Write `count` things (each `versions` times), one transaction per write, as a service would."""
        ids = []
        for _ in range(count):
            thing_id = uuid.uuid4().hex
            ids.append(thing_id)
            for version in range(1, versions + 1):
                async with self.sessions() as session, session.begin():
                    await self.outbox.add(
                        session,
                        ThingChanged(thing_id=thing_id, version=version, name=f"v{version}"),
                        organization=organization,
                        subject=thing_id,
                    )
        return ids

    async def connect(self) -> NATS:
        connection = await nats.connect(
            self.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=2
        )
        self._connections.append(connection)
        return connection

    async def provision(self) -> None:
        connection = await self.connect()
        await ensure_service_stream(connection.jetstream(), namespace=self.namespace, service=SERVICE)
        await ensure_deadletter_stream(connection.jetstream(), namespace=self.namespace)

    async def relay(self, *, after_publish: AfterPublish | None = None, batch_size: int = 100) -> OutboxRelay:
        connection = await self.connect()
        return OutboxRelay(
            service=SERVICE,
            table=self.tables.outbox,
            sessions=self.sessions,
            js=connection.jetstream(),
            namespace=self.namespace,
            listen_dsn=self.engine.url.render_as_string(hide_password=False).replace("+asyncpg", ""),
            batch_size=batch_size,
            poll_seconds=0.2,
            publish_timeout=2.0,
            after_publish=after_publish,
        )

    async def consumer(
        self, *, name: str = "tester", max_deliver: int = 3, ack_wait: float = 5.0
    ) -> EventConsumer:
        connection = await self.connect()
        return EventConsumer(
            name=name,
            source_service=SERVICE,
            handlers=self.handlers,
            sessions=self.sessions,
            inbox=self.tables.inbox,
            js=connection.jetstream(),
            namespace=self.namespace,
            batch_size=64,
            max_deliver=max_deliver,
            ack_wait=ack_wait,
            fetch_timeout=0.3,
        )

    def start(self, runner: Callable[[asyncio.Event], Any]) -> asyncio.Event:
        stop = asyncio.Event()
        self._stops.append(stop)
        self._tasks.append(asyncio.create_task(runner(stop)))
        return stop

    async def effect_counts(self) -> tuple[int, int]:
        """(rows, distinct event ids) in the effects table: equal when nothing applied twice."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(func.count(), func.count(func.distinct(self.effects.c.event_id)))
                )
            ).one()
        return int(row[0]), int(row[1])

    async def wait_for_effects(self, expected: int, *, timeout: float = 30.0) -> tuple[int, int]:
        deadline = asyncio.get_running_loop().time() + timeout
        counts = await self.effect_counts()
        while counts[0] < expected and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            counts = await self.effect_counts()
        return counts

    async def unpublished(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(self.tables.outbox)
                .where(self.tables.outbox.c.published_at.is_(None))
            )
        return int(count or 0)

    async def stop_all(self) -> None:
        for stop in self._stops:
            stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(task, timeout=10)
        for connection in self._connections:
            with contextlib.suppress(Exception):
                await connection.close()


@contextlib.asynccontextmanager
async def pipeline(database_url: str, nats_url: str) -> AsyncIterator[Pipeline]:
    """Create the test service's schema (outbox, inbox, effects, a read model) and its streams."""
    schema = f"pt_{uuid.uuid4().hex[:10]}"
    metadata = MetaData(schema=schema)
    tables = messaging_tables(metadata)
    # No unique constraint on purpose: an event applied twice shows as two rows.
    effects = Table(
        "effects",
        metadata,
        Column("event_id", Uuid, nullable=False),
        Column("thing_id", String, nullable=False),
        Column("version", Integer, nullable=False),
    )
    things = Table(
        "things",
        metadata,
        Column("thing_id", String, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("name", String, nullable=False),
    )
    engine = create_engine(database_url, pool_size=5)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(metadata.create_all)
        for statement in outbox_notify_ddl(schema):
            await connection.execute(text(statement))
    result = Pipeline(
        schema=schema,
        namespace=f"p{uuid.uuid4().hex[:10]}",
        engine=engine,
        sessions=session_factory(engine),
        tables=tables,
        effects=effects,
        things=things,
        nats_url=nats_url,
    )

    @result.handlers.on(ThingChanged)
    async def on_thing_changed(session: AsyncSession, envelope: CloudEvent, event: ThingChanged) -> None:
        from shared.consumer import PoisonEvent

        result.calls[event.thing_id] = result.calls.get(event.thing_id, 0) + 1
        if result.hold is not None:
            await result.hold.wait()
        if result.slow_seconds:
            await asyncio.sleep(result.slow_seconds)
        if event.thing_id in result.poison_ids:
            raise PoisonEvent(f"thing {event.thing_id} can never be applied")
        if event.thing_id in result.failing_ids:
            raise RuntimeError("a transient failure")
        await session.execute(
            effects.insert().values(event_id=envelope.id, thing_id=event.thing_id, version=event.version)
        )
        await upsert_if_newer(
            session,
            things,
            {"thing_id": event.thing_id, "version": event.version, "name": event.name},
            key=["thing_id"],
        )

    await result.provision()
    try:
        yield result
    finally:
        await result.stop_all()
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
