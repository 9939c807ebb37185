"""Webhook delivery: event published on NATS -> signed POST received by a local endpoint.

One webhooks worker (`python -m webhooks.worker`: consumers, dispatcher, relay) runs as its own
process with its default delivery settings; a minimal receiver (uvicorn, its own process) answers
200 at once and notes when each `webhook-id` arrived. Events are published on NATS as the
publishing services' relays do. Two phases:

1. latency at a steady rate (default 50 events/s): event time -> first attempt received;
2. throughput: a burst of events (default 5000) published at once; deliveries per second from
   the first publish to the last delivery received.

Usage: `.venv/bin/python bench/webhooks.py [--events 5000] [--latency-events 500] [--rate 50]
[--endpoints 1] [--profile FILE]`, against DATABASE_URL / NATS_URL when set (a fresh database is
created and dropped there), else embedded servers. Figures (last JSON line): `per_s` (phase 2),
`p99_ms` (phase 1, event time to first attempt received), with the machine, its load and
PostgreSQL's `fsync`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
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

import httpx
import nats
import orjson
from nats.js import JetStreamContext
from sqlalchemy import text

from mentorship.processes import free_port, wait_for_port
from shared.auth import Principal, Role
from shared.contracts.profiles import PersonCreated, PersonState
from shared.db import create_engine, session_factory
from shared.events import CloudEvent
from shared.outbound import DestinationPolicy
from shared.secret_box import SecretBox
from shared.streams import ensure_service_stream
from webhooks import service
from webhooks.config import WebhooksSettings
from webhooks.handlers import SOURCES
from webhooks.schemas import EndpointCreate

ALLOWLIST = ["127.0.0.1/32"]


# --- the receiver (its own process) --------------------------------------------------------------


def receiver_app() -> Any:
    """A raw ASGI app: POST anything -> 200, noting (webhook-id, arrival time); GET /arrivals."""
    arrivals: list[tuple[str, float]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        arrived = time.time()
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        if scope["method"] == "POST":
            message_id = next((v.decode() for k, v in scope["headers"] if k == b"webhook-id"), "")
            arrivals.append((message_id, arrived))
            body = b"ok"
        elif scope["path"] == "/arrivals":
            body = orjson.dumps(arrivals)
        else:
            body = orjson.dumps({"count": len(arrivals)})
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(receiver_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the benchmark -------------------------------------------------------------------------------


def person_created(organization: str) -> PersonCreated:
    now = datetime.now(UTC)
    return PersonCreated(
        person=PersonState(
            id=uuid.uuid4(),
            organization=organization,
            version=1,
            email=f"{uuid.uuid4().hex[:8]}@bench.example",
            name="Bench Person",
            title="ML Engineer",
            department="Research",
            time_zone="Europe/Berlin",
            languages=["en", "de"],
            skills=[{"skill": "python", "level": 4}, {"skill": "pytorch", "level": 3}],
            mentor_capacity=2,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )


async def publish(js: JetStreamContext, namespace: str, organization: str) -> CloudEvent:
    event = CloudEvent.wrap(person_created(organization), organization=organization, subject=None)
    await js.publish(
        PersonCreated.event_type.subject(namespace),
        orjson.dumps(event.model_dump(mode="json")),
        headers={"Nats-Msg-Id": str(event.id)},
    )
    return event


class Receiver:
    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=10)

    async def count(self) -> int:
        return int((await self.http.get("/count")).json()["count"])

    async def wait_for(self, count: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while await self.count() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{await self.count()} deliveries received, expected {count}")
            await asyncio.sleep(0.05)

    async def arrivals(self) -> dict[str, float]:
        first: dict[str, float] = {}
        for message_id, at in (await self.http.get("/arrivals")).json():
            first.setdefault(message_id, at)
        return first


async def create_endpoints(platform: BenchPlatform, organization: str, receiver: str, count: int) -> None:
    engine = create_engine(platform.database_url, pool_size=2)
    settings = WebhooksSettings(database_url=platform.database_url, allow_http=True)
    caller = Principal(subject=str(uuid.uuid4()), organization=organization, roles=frozenset({Role.ADMIN}))
    try:
        async with session_factory(engine)() as session, session.begin():
            for number in range(count):
                await service.create_endpoint(
                    session,
                    caller=caller,
                    fields=EndpointCreate(
                        url=f"{receiver}/hooks/{number}", event_types=["mentorship.profiles.*"]
                    ),
                    policy=DestinationPolicy.from_allowlist(ALLOWLIST, allow_http=True),
                    box=SecretBox(settings.secret_encryption_keys),
                )
    finally:
        await engine.dispose()


async def enqueue_span(platform: BenchPlatform, organization: str, *, since: float) -> float:
    """Seconds from `since` until the consumer had created the last delivery."""
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            last = (
                await connection.execute(
                    text("SELECT max(created_at) FROM webhooks.deliveries WHERE organization = :org"),
                    {"org": organization},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return float(last.timestamp() - since)


async def measure(
    platform: BenchPlatform,
    *,
    receiver: Receiver,
    worker_pid: int,
    events: int,
    latency_events: int,
    rate: float,
    endpoints: int,
) -> dict[str, Any]:
    organization = f"org-bench-{uuid.uuid4().hex[:8]}"
    await create_endpoints(platform, organization, receiver.base_url, endpoints)
    connection = await nats.connect(platform.nats_url)
    js = connection.jetstream()
    try:
        # Every stream the worker consumes, as the publishing services' workers would create them.
        for source in SOURCES:
            await ensure_service_stream(js, namespace=platform.namespace, service=source)
        received = 0

        # Warm-up: the worker has bound its consumers and connections once these arrive.
        for _ in range(20):
            await publish(js, platform.namespace, organization)
        received += 20 * endpoints
        await receiver.wait_for(received, timeout=120)

        # Phase 1: latency at a steady rate.
        steady: list[CloudEvent] = []
        started = time.monotonic()
        for index in range(latency_events):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            steady.append(await publish(js, platform.namespace, organization))
        received += latency_events * endpoints
        await receiver.wait_for(received, timeout=120)
        arrivals = await receiver.arrivals()
        latencies = [(arrivals[str(event.id)] - event.time.timestamp()) * 1000 for event in steady]

        # Phase 2: throughput on a burst.
        cpu_before = cpu_seconds(worker_pid)
        burst_started = time.time()
        pending = []
        for _ in range(events):
            event = CloudEvent.wrap(person_created(organization), organization=organization, subject=None)
            pending.append(
                await js.publish_async(
                    PersonCreated.event_type.subject(platform.namespace),
                    orjson.dumps(event.model_dump(mode="json")),
                    headers={"Nats-Msg-Id": str(event.id)},
                )
            )
        await asyncio.gather(*pending)
        published = time.time() - burst_started
        received += events * endpoints
        await receiver.wait_for(received, timeout=600)
        arrivals = await receiver.arrivals()
        last = max(arrivals.values())
        seconds = last - burst_started
        cpu_after = cpu_seconds(worker_pid)
        enqueued = await enqueue_span(platform, organization, since=burst_started)
    finally:
        await connection.close()

    deliveries = events * endpoints
    figures: dict[str, Any] = {
        "bench": "webhooks",
        "machine": machine(),
        "load_average": round(os.getloadavg()[0], 1),
        "fsync": await fsync_setting(platform.database_url),
        "events": events,
        "endpoints": endpoints,
        "deliveries": deliveries,
        "seconds": round(seconds, 3),
        "per_s": round(deliveries / seconds, 1),
        "latency_events": latency_events,
        "rate_per_s": rate,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }
    if cpu_before is not None and cpu_after is not None:
        figures["worker_cpu_ms_per_delivery"] = round((cpu_after - cpu_before) * 1000 / deliveries, 3)
    print_table(
        f"Latency: event -> first attempt received ({latency_events} events at {rate:g}/s)",
        [("p50 ms", figures["p50_ms"]), ("p95 ms", figures["p95_ms"]), ("p99 ms", figures["p99_ms"])],
    )
    print()
    print_table(
        f"Throughput: burst of {events} events to {endpoints} endpoint(s), one worker",
        [
            ("published in s", round(published, 3)),
            ("all enqueued (consumer) in s", round(enqueued, 3)),
            ("all delivered in s", figures["seconds"]),
            ("deliveries per s", figures["per_s"]),
            ("worker CPU ms per delivery", figures.get("worker_cpu_ms_per_delivery", "n/a")),
        ],
    )
    return figures


async def delete_streams(platform: BenchPlatform) -> None:
    """This run's streams (its namespace is its own), once the worker is gone."""
    connection = await nats.connect(platform.nats_url)
    try:
        js = connection.jetstream()
        for info in await js.streams_info():
            if (info.config.name or "").lower().startswith(platform.namespace + "_"):
                await js.delete_stream(info.config.name or "")
    finally:
        await connection.close()


def start_worker(platform: BenchPlatform, *, profile: str | None = None) -> subprocess.Popen[bytes]:
    env = {
        **platform.env(),
        "ALLOW_HTTP": "true",
        "DESTINATION_ALLOWLIST": orjson.dumps(ALLOWLIST).decode(),
        "LOG_LEVEL": "WARNING",
    }
    # With `--profile`, the worker runs under cProfile (its figures are then not comparable).
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen([sys.executable, *profiler, "-m", "webhooks.worker"], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000, help="events in the throughput burst (5000)")
    parser.add_argument("--latency-events", type=int, default=500, help="events in the latency phase (500)")
    parser.add_argument("--rate", type=float, default=50.0, help="events/s in the latency phase (50)")
    parser.add_argument("--endpoints", type=int, default=1, help="endpoints each event goes to (1)")
    parser.add_argument(
        "--profile", metavar="FILE", help="run the worker under cProfile, its stats written to FILE"
    )
    args = parser.parse_args()

    port = free_port()
    # Forked before this process starts any thread or event loop, so the child starts clean.
    receiver_process = multiprocessing.get_context("fork").Process(target=serve_receiver, args=(port,))
    receiver_process.start()
    try:
        if not wait_for_port("127.0.0.1", port, timeout=30, alive=receiver_process.is_alive):
            raise SystemExit("the receiver did not start")
        with bench_platform() as platform:
            worker = start_worker(platform, profile=args.profile)
            try:
                figures = asyncio.run(
                    measure(
                        platform,
                        receiver=Receiver(port),
                        worker_pid=worker.pid,
                        events=args.events,
                        latency_events=args.latency_events,
                        rate=args.rate,
                        endpoints=args.endpoints,
                    )
                )
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                asyncio.run(delete_streams(platform))
    finally:
        receiver_process.terminate()
        receiver_process.join(timeout=10)
    print()
    print_figures(figures)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
