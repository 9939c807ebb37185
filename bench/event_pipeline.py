"""Event pipeline: a person written in profiles to a consumer's committed effect.

Three processes, as deployed: profiles writes (row + outbox event in one transaction) in this
one; the real profiles worker (`python -m profiles.worker`, the outbox relay); and a consuming
service's durable consumer with its inbox, which reports when each effect committed (wall clock,
same machine). Its handler is a batch handler (`Handlers.on_batch`: one insert per run of events,
as read models built from many events are); `--per-event-handler` gives it one insert per event.
Four phases:

1. latency at a steady write rate (default 200 writes/s): write commit -> consumer commit;
2. sustained throughput: concurrent writers as fast as they go, relay and consumer keeping up;
3. catch-up (`drain_events_per_s`): the consumer was stopped while a backlog was written and relayed
   into the stream; started again, it drains the stream (effects and inbox committed in batches);
4. relay drain (`relay_drain_events_per_s`, what earlier runs called the drain): the relay was
   stopped while a backlog piled up in the outbox; started again, relay and consumer drain it.

The CPU seconds per event of the consumer (and, in phase 4, the relay) are reported too: on a busy
machine they say more than the wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import signal
import subprocess
import sys
import time
import uuid
from multiprocessing.synchronize import Event as ProcessEvent
from queue import Empty
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    bench_platform,
    cpu_seconds,
    fsync_setting,
    machine,
    percentile,
    print_figures,
    print_table,
)

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


def consumer_tables(schema: str) -> tuple[MetaData, Table, Table]:
    metadata = MetaData(schema=schema)
    tables = messaging_tables(metadata)
    effects = Table("effects", metadata, Column("person_id", Uuid, nullable=False))
    return metadata, tables.inbox, effects


class ReportingConsumer(EventConsumer):
    """Reports (person id, wall time) once each batch's effects committed (handle_batch returns then),
    with the process's CPU seconds so far."""

    def __init__(self, applied: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.applied = applied
        # Person ids the handler saw in the batch being handled (read from the parsed events, so the
        # report costs the consumer no second parse of each message).
        self.seen: list[str] = []

    async def handle_batch(self, messages: list[Msg]) -> None:
        self.seen = []
        await super().handle_batch(messages)
        now = time.time()
        self.applied.put(([(subject, now) for subject in self.seen], time.process_time(), now))


def consume(
    platform: BenchPlatform,
    schema: str,
    applied: Any,
    ready: ProcessEvent,
    go: ProcessEvent,
    stop: ProcessEvent,
    per_event_handler: bool,
    batch_size: int,
) -> None:
    """The consuming service's process: connects, then consumes from `go` until `stop`."""
    configure_logging(level="WARNING", json_logs=False, service="bench-consumer")

    async def main() -> None:
        _, inbox, effects = consumer_tables(schema)
        engine = create_engine(platform.database_url, pool_size=4)
        handlers = Handlers()
        consumer: ReportingConsumer

        if per_event_handler:

            @handlers.on(PersonCreated)
            async def on_person(session: AsyncSession, envelope: CloudEvent, event: PersonCreated) -> None:
                await session.execute(effects.insert().values(person_id=event.person.id))
                consumer.seen.append(str(event.person.id))

        else:

            @handlers.on_batch(PersonCreated)
            async def on_people(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
                await session.execute(effects.insert(), [{"person_id": e.person.id} for _, e in events])
                consumer.seen.extend(str(event.person.id) for _, event in events)

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
            batch_size=batch_size,
            fetch_timeout=0.5,
        )
        await consumer.ensure()
        ready.set()
        while not go.is_set():
            await asyncio.sleep(0.005)
        applied.put(([], time.process_time(), time.time()))  # where its CPU count starts
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
        # (CPU seconds of the consumer process, wall time) after each batch it reported.
        self.consumer_cpu: list[tuple[float, float]] = []
        self.counter = iter(range(10**9))
        self.queue: Any = multiprocessing.get_context("spawn").Queue()

    async def write(self) -> None:
        async with self.sessions() as session, session.begin():
            document = await create_person(session, caller=self.caller, fields=person(next(self.counter)))
        self.written[str(document["id"])] = time.time()

    def collect(self) -> None:
        while True:
            try:
                subjects, cpu, at = self.queue.get_nowait()
            except Empty:
                return
            for subject, applied_at in subjects:
                self.applied.setdefault(subject, applied_at)
            self.consumer_cpu.append((cpu, at))

    def consumer_cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the consumer process spent between wall times `start` and `end` (from the
        reports it sent after each batch, and when it was told to go)."""
        before = [cpu for cpu, at in self.consumer_cpu if at < start]
        within = [cpu for cpu, at in self.consumer_cpu if start <= at <= end]
        if not within:
            return float("nan")
        # A consumer started for this phase counts its CPU from zero: reports of an earlier process
        # (higher than this one's first) are no baseline for it.
        base = max(before) if before and max(before) <= min(within) else min(within)
        return max(within) - base

    async def wait_applied(self, ids: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.collect()
            if all(i in self.applied for i in ids):
                return
            await asyncio.sleep(0.05)

    def relay(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "profiles.worker"], env=self.platform.env())


class ConsumerProcess:
    """The consuming service as its own process, started connected and waiting, then let go."""

    def __init__(self, run: Run, schema: str, *, per_event_handler: bool, batch_size: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.ready, self.go, self.stop = context.Event(), context.Event(), context.Event()
        self.process = context.Process(
            target=consume,
            args=(
                run.platform,
                schema,
                run.queue,
                self.ready,
                self.go,
                self.stop,
                per_event_handler,
                batch_size,
            ),
        )
        self.process.start()
        if not self.ready.wait(timeout=120):
            raise RuntimeError("the consumer process did not start")

    def end(self) -> None:
        self.go.set()
        self.stop.set()
        self.process.join(timeout=60)


def outbox_empty(run: Run) -> Any:
    async def probe() -> bool:
        async with run.engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM profiles.outbox WHERE published_at IS NULL")
            )
        return not waiting

    return probe


async def measure(
    platform: BenchPlatform,
    *,
    rate: int,
    seconds: float,
    writers: int,
    drain: int,
    per_event_handler: bool,
    batch_size: int,
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
    fsync = await fsync_setting(platform.database_url)

    def start_consumer() -> ConsumerProcess:
        return ConsumerProcess(run, schema, per_event_handler=per_event_handler, batch_size=batch_size)

    consumer = start_consumer()
    consumer.go.set()
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

        async def write_backlog() -> list[str]:
            before = set(run.written)
            for _ in range(drain // 100):
                await asyncio.gather(*(run.write() for _ in range(100)))
            return [i for i in run.written if i not in before]

        # 3. Catch-up: the consumer is down while a backlog is written and relayed into the stream;
        # a new consumer process (connected, not yet consuming) then drains it.
        consumer.end()
        backlog = await write_backlog()
        await eventually_true(outbox_empty(run), timeout=600)
        consumer = start_consumer()
        catch_up_start = time.time()
        consumer.go.set()
        await run.wait_applied(backlog, 600)
        catch_up_end = max(run.applied[i] for i in backlog)
        catch_up_seconds = catch_up_end - catch_up_start
        catch_up_cpu = run.consumer_cpu_between(catch_up_start, catch_up_end + 1)

        # 4. Relay drain: the relay is paused (SIGSTOP, so its start-up is not timed) while a backlog
        # piles up in the outbox; resumed, relay and consumer drain it together.
        relay.send_signal(signal.SIGSTOP)
        relay_backlog = await write_backlog()
        relay_cpu_before = cpu_seconds(relay.pid) or 0.0
        relay_drain_start = time.time()
        relay.send_signal(signal.SIGCONT)
        await run.wait_applied(relay_backlog, 600)
        relay_drain_end = max(run.applied[i] for i in relay_backlog)
        relay_drain_seconds = relay_drain_end - relay_drain_start
        relay_cpu = (cpu_seconds(relay.pid) or 0.0) - relay_cpu_before
        relay_drain_consumer_cpu = run.consumer_cpu_between(relay_drain_start, relay_drain_end + 1)
    finally:
        relay.send_signal(signal.SIGCONT)
        relay.terminate()
        relay.wait(timeout=30)
        consumer.end()
        run.collect()
        async with run.engine.begin() as connection:
            rows = (
                await connection.execute(
                    text(f'SELECT count(*), count(DISTINCT person_id) FROM "{schema}".effects')
                )
            ).one()
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await run.engine.dispose()

    def per_event_us(cpu: float, events: int) -> float:
        return round(cpu / events * 1e6, 1)

    figures = {
        "bench": "event_pipeline",
        "machine": machine(),
        "fsync": fsync,
        "handler": "per_event" if per_event_handler else "batch",
        "consumer_batch": batch_size,
        "rate_per_s": rate,
        "achieved_rate_per_s": round(achieved, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "sustained_events_per_s": round(sustained_writes / sustained_seconds, 1),
        "sustained_write_per_s": round(sustained_writes / write_seconds, 1),
        "drain_events": len(backlog),
        "drain_events_per_s": round(len(backlog) / catch_up_seconds, 1),
        "drain_consumer_cpu_us_per_event": per_event_us(catch_up_cpu, len(backlog)),
        "relay_drain_events": len(relay_backlog),
        "relay_drain_events_per_s": round(len(relay_backlog) / relay_drain_seconds, 1),
        "relay_drain_relay_cpu_us_per_event": per_event_us(relay_cpu, len(relay_backlog)),
        "relay_drain_consumer_cpu_us_per_event": per_event_us(relay_drain_consumer_cpu, len(relay_backlog)),
        "effects": int(rows[0]),
        "duplicates": int(rows[0]) - int(rows[1]),
    }
    print_table(
        f"Event pipeline: profiles write -> outbox -> relay -> NATS -> consumer commit "
        f"({figures['machine']}; PostgreSQL fsync {fsync})",
        [
            (f"latency at {rate} writes/s (achieved {achieved:.0f}/s), p50 ms", figures["p50_ms"]),
            ("latency p95 ms", figures["p95_ms"]),
            ("latency p99 ms", figures["p99_ms"]),
            (f"sustained with {writers} writers, events/s", figures["sustained_events_per_s"]),
            ("  of which writes/s", figures["sustained_write_per_s"]),
            (f"catch-up: one consumer drains {len(backlog)} events, per s", figures["drain_events_per_s"]),
            ("  consumer CPU per event, us", figures["drain_consumer_cpu_us_per_event"]),
            (f"relay drain of {len(relay_backlog)} outbox rows, per s", figures["relay_drain_events_per_s"]),
            ("  relay CPU per event, us", figures["relay_drain_relay_cpu_us_per_event"]),
            ("  consumer CPU per event, us", figures["relay_drain_consumer_cpu_us_per_event"]),
            (f"consumer handler ({figures['handler']}), batch", batch_size),
            ("effects committed / duplicates", f"{figures['effects']} / {figures['duplicates']}"),
        ],
    )
    return figures


async def eventually_true(probe: Any, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the relay did not publish the backlog")
        await asyncio.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=200, help="writes/s in the latency phase (200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of phases 1 and 2 (10)")
    parser.add_argument("--writers", type=int, default=16, help="concurrent writers in phase 2 (16)")
    parser.add_argument(
        "--drain", type=int, default=20000, help="events queued for phases 3 and 4 each (20000)"
    )
    parser.add_argument(
        "--batch", type=int, default=1000, help="the consumer's fetch batch (1000, max 10000)"
    )
    parser.add_argument(
        "--per-event-handler",
        action="store_true",
        help="the consumer's handler inserts once per event instead of once per run of events",
    )
    args = parser.parse_args()
    with bench_platform() as platform:
        figures = asyncio.run(
            measure(
                platform,
                rate=args.rate,
                seconds=args.seconds,
                writers=args.writers,
                drain=args.drain,
                per_event_handler=args.per_event_handler,
                batch_size=args.batch,
            )
        )
    print_figures(figures)


if __name__ == "__main__":
    main()
