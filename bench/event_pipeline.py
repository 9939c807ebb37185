"""Event pipeline: a person written in profiles to a consumer's committed effect.

Three processes, as deployed: profiles writes (row + outbox event in one transaction) in this
one; the real profiles worker (`python -m profiles.worker`, the outbox relay); and a consuming
service's durable consumer with its inbox, which reports when each effect committed (wall clock,
same machine). Three phases:

1. latency at a steady write rate (default 200 writes/s): write commit -> consumer commit;
2. sustained throughput: concurrent writers as fast as they go, relay and consumer keeping up;
3. drain: a backlog of events already in the outbox, relayed and consumed as fast as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import subprocess
import sys
import time
import uuid
from multiprocessing.synchronize import Event as ProcessEvent
from queue import Empty
from typing import Any

import orjson
from nats.aio.msg import Msg
from sqlalchemy import Column, MetaData, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.schemas import PersonCreate
from profiles.service import create_person
from shared.auth import Principal, Role
from shared.consumer import EventConsumer, Handlers
from shared.contracts.profiles import PersonCreated
from shared.db import create_engine, session_factory
from shared.events import CloudEvent
from shared.logging import configure_logging
from shared.messaging_tables import messaging_tables
from shared.streams import connect, ensure_deadletter_stream, ensure_service_stream
from shared.worker import serve

from harness import BenchPlatform, bench_platform, percentile, print_figures, print_table


def consumer_tables(schema: str) -> tuple[MetaData, Table, Table]:
    metadata = MetaData(schema=schema)
    tables = messaging_tables(metadata)
    effects = Table("effects", metadata, Column("person_id", Uuid, nullable=False))
    return metadata, tables.inbox, effects


class ReportingConsumer(EventConsumer):
    """Reports (person id, wall time) once each batch's effects committed (handle_batch returns then)."""

    def __init__(self, applied: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.applied = applied

    async def handle_batch(self, messages: list[Msg]) -> None:
        await super().handle_batch(messages)
        now = time.time()
        subjects = [orjson.loads(msg.data).get("subject") for msg in messages]
        self.applied.put([(subject, now) for subject in subjects if subject])


def consume(platform: BenchPlatform, schema: str, applied: Any, stop: ProcessEvent) -> None:
    """The consuming service's process."""
    configure_logging(level="WARNING", json_logs=False, service="bench-consumer")

    async def main() -> None:
        _, inbox, effects = consumer_tables(schema)
        engine = create_engine(platform.database_url, pool_size=4)
        handlers = Handlers()

        @handlers.on(PersonCreated)
        async def on_person(session: AsyncSession, envelope: CloudEvent, event: PersonCreated) -> None:
            await session.execute(effects.insert().values(person_id=event.person.id))

        nc = await connect(platform.nats_url, name="bench-consumer")
        consumer = ReportingConsumer(
            applied,
            name="bench",
            source_service="profiles",
            handlers=handlers,
            sessions=session_factory(engine),
            inbox=inbox,
            js=nc.jetstream(),
            namespace=platform.namespace,
            batch_size=500,
            fetch_timeout=0.5,
        )
        stopping = asyncio.Event()
        task = asyncio.create_task(consumer.run(stopping))
        while not stop.is_set():
            await asyncio.sleep(0.05)
        stopping.set()
        await task
        await nc.close()
        await engine.dispose()

    serve(main())  # as a service worker runs


def person(index: int) -> PersonCreate:
    return PersonCreate.model_validate(
        {
            "email": f"p{index}-{uuid.uuid4().hex[:8]}@bench.example",
            "name": f"Person {index}",
            "time_zone": "Europe/Berlin",
            "languages": ["en"],
            "skills": [{"skill": "python", "level": 4}, {"skill": "pytorch", "level": 3}],
            "availability": [{"weekday": 1, "start": "09:00", "end": "12:00"}],
        }
    )


class Run:
    """The writer side: writes people and collects when their effects were reported committed."""

    def __init__(self, platform: BenchPlatform, *, pool: int) -> None:
        self.platform = platform
        self.engine = create_engine(platform.database_url, pool_size=pool)
        self.sessions = session_factory(self.engine)
        self.caller = Principal(subject="bench", organization="org-bench", roles=frozenset({Role.ADMIN}))
        self.written: dict[str, float] = {}
        self.applied: dict[str, float] = {}
        self.counter = iter(range(10**9))
        self.queue: Any = multiprocessing.get_context("spawn").Queue()

    async def write(self) -> None:
        async with self.sessions() as session, session.begin():
            document = await create_person(session, caller=self.caller, fields=person(next(self.counter)))
        self.written[str(document["id"])] = time.time()

    def collect(self) -> None:
        while True:
            try:
                batch = self.queue.get_nowait()
            except Empty:
                return
            for subject, at in batch:
                self.applied.setdefault(subject, at)

    async def wait_applied(self, ids: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.collect()
            if all(i in self.applied for i in ids):
                return
            await asyncio.sleep(0.05)

    def relay(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "profiles.worker"], env=self.platform.env())


async def measure(
    platform: BenchPlatform, *, rate: int, seconds: float, writers: int, drain: int
) -> dict[str, Any]:
    run = Run(platform, pool=writers + 2)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    metadata, _, _ = consumer_tables(schema)
    async with run.engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(metadata.create_all)
    nc = await connect(platform.nats_url, name="bench")
    await ensure_service_stream(nc.jetstream(), namespace=platform.namespace, service="profiles")
    await ensure_deadletter_stream(nc.jetstream(), namespace=platform.namespace)
    await nc.close()

    context = multiprocessing.get_context("spawn")
    stop_consumer = context.Event()
    consumer = context.Process(target=consume, args=(platform, schema, run.queue, stop_consumer))
    consumer.start()
    relay = run.relay()
    try:
        for _ in range(50):  # warm up connections, statements, subscriptions
            await run.write()
        await run.wait_applied(list(run.written), 60)

        # 1. Latency at a steady rate.
        before = set(run.written)
        started = time.monotonic()
        tasks: list[asyncio.Task[None]] = []
        for tick in range(int(rate * seconds)):
            delay = started + tick / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(run.write()))
        await asyncio.gather(*tasks)
        achieved = len(tasks) / (time.monotonic() - started)
        phase = [i for i in run.written if i not in before]
        await run.wait_applied(phase, 120)
        latencies = [(run.applied[i] - run.written[i]) * 1000 for i in phase if i in run.applied]

        # 2. Sustained: concurrent writers as fast as they go for `seconds`.
        before = set(run.written)
        sustained_start = time.time()
        deadline = time.monotonic() + seconds

        async def writer() -> None:
            while time.monotonic() < deadline:
                await run.write()

        await asyncio.gather(*(writer() for _ in range(writers)))
        write_seconds = time.time() - sustained_start
        phase = [i for i in run.written if i not in before]
        await run.wait_applied(phase, 300)
        sustained_seconds = max(run.applied[i] for i in phase) - sustained_start
        sustained_writes = len(phase)

        # 3. Drain: stop the relay, queue a backlog, start it again; time relay + NATS + consumer.
        relay.terminate()
        relay.wait(timeout=30)
        before = set(run.written)
        for _ in range(drain // 100):
            await asyncio.gather(*(run.write() for _ in range(100)))
        backlog = [i for i in run.written if i not in before]
        drain_start = time.time()
        relay = run.relay()
        await run.wait_applied(backlog, 600)
        drain_seconds = max(run.applied[i] for i in backlog) - drain_start
    finally:
        relay.terminate()
        relay.wait(timeout=30)
        stop_consumer.set()
        consumer.join(timeout=30)
        run.collect()
        async with run.engine.begin() as connection:
            rows = (
                await connection.execute(
                    text(f'SELECT count(*), count(DISTINCT person_id) FROM "{schema}".effects')
                )
            ).one()
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await run.engine.dispose()

    figures = {
        "bench": "event_pipeline",
        "rate_per_s": rate,
        "achieved_rate_per_s": round(achieved, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "sustained_events_per_s": round(sustained_writes / sustained_seconds, 1),
        "sustained_write_per_s": round(sustained_writes / write_seconds, 1),
        "drain_events": len(backlog),
        "drain_events_per_s": round(len(backlog) / drain_seconds, 1),
        "effects": int(rows[0]),
        "duplicates": int(rows[0]) - int(rows[1]),
    }
    print_table(
        "Event pipeline: profiles write -> outbox -> relay -> NATS -> consumer commit",
        [
            (f"latency at {rate} writes/s (achieved {achieved:.0f}/s), p50 ms", figures["p50_ms"]),
            ("latency p95 ms", figures["p95_ms"]),
            ("latency p99 ms", figures["p99_ms"]),
            (f"sustained with {writers} writers, events/s", figures["sustained_events_per_s"]),
            ("  of which writes/s", figures["sustained_write_per_s"]),
            (f"drain of {len(backlog)} queued events, events/s", figures["drain_events_per_s"]),
            ("effects committed / duplicates", f"{figures['effects']} / {figures['duplicates']}"),
        ],
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=200, help="writes/s in the latency phase (200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of phases 1 and 2 (10)")
    parser.add_argument("--writers", type=int, default=16, help="concurrent writers in phase 2 (16)")
    parser.add_argument("--drain", type=int, default=20000, help="events queued for phase 3 (20000)")
    args = parser.parse_args()
    with bench_platform() as platform:
        figures = asyncio.run(
            measure(platform, rate=args.rate, seconds=args.seconds, writers=args.writers, drain=args.drain)
        )
    print_figures(figures)


if __name__ == "__main__":
    main()
