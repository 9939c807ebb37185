"""Notifications: emails per second from one worker, event-to-mailbox latency, live-stream fan-out.

A local SMTP sink (aiosmtpd, `mentorship mail serve`, its own process) stores what it accepts as
.eml files, whose modification time is when it accepted them. Three phases:

1. throughput: `--emails` reminder deliveries are queued (straight into the notifications schema,
   as the consumer would have left them), then one worker's sender loop renders each (Jinja2,
   Babel, CSS inlined, MIME) and hands it to the sink: emails per second until all are recorded
   `sent`;
2. latency: the notifications worker runs as its own process (consumers, sender, relay); once it
   has its consumers, `SessionReminderDue` events are published on NATS at `--rate` per second,
   each to a different person: `--warmup` seconds of them first (the worker's first messages fill
   its caches, pools and prepared statements; not measured), then `--seconds` measured: event
   published -> email accepted by the sink;
3. live stream: the API runs as its own process (one uvicorn worker, as deployed) with
   `--clients` Server-Sent Events streams open (one person each); `--sse-events` notifications are
   committed for random connected people: commit -> event received by that person's stream.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    api_process,
    bench_platform,
    percentile,
    print_figures,
    print_table,
)

import aiohttp
import asyncpg
import nats
import orjson
from nats.js.errors import NotFoundError

from mentorship.processes import free_port, wait_for_port
from mentorship.services import spec
from notifications.config import NotificationsSettings
from notifications.dispatcher import Dispatcher
from notifications.service import LIVE_CHANNEL
from shared.auth import mint_dev_token
from shared.contracts.scheduling import SessionFormat, SessionReminderDue, SessionState, SessionStatus
from shared.db import create_engine, session_factory
from shared.events import CloudEvent, stream_name
from shared.streams import ensure_service_stream

ORGANIZATION = "org-bench-notifications"
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata"]


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@contextlib.contextmanager
def mail_sink(folder: Path) -> Any:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mentorship.cli",
        "mail",
        "serve",
        "--folder",
        str(folder),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        if not wait_for_port("127.0.0.1", port, timeout=30, alive=lambda: process.poll() is None):
            raise RuntimeError("the mail sink did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


async def seed(
    connection: asyncpg.Connection, people: int, program_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    """People (read model) and a program, as profiles' events would have left them."""
    await connection.execute(
        "INSERT INTO notifications.programs VALUES ($1, $2, 'Applied ML mentoring', 1)",
        program_id,
        ORGANIZATION,
    )
    rows = [
        (uuid.uuid4(), ORGANIZATION, f"Person {n}", f"person-{n}-{uuid.uuid4().hex[:6]}@example.org",
         random.choice(ZONES), random.choice(["en", "fr"]), True, 1)
        for n in range(people)
    ]  # fmt: skip
    await connection.copy_records_to_table(
        "people", schema_name="notifications", records=rows,
        columns=["id", "organization", "name", "email", "time_zone", "language", "active", "version"],
    )  # fmt: skip
    return [(row[0], row[3]) for row in rows]


def reminder_context(program_id: uuid.UUID, other: str) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(hours=1)
    return {
        "other_name": other, "program_name": "Applied ML mentoring", "session_id": str(uuid.uuid4()),
        "session_start": start.isoformat(), "session_end": (start + timedelta(hours=1)).isoformat(),
        "session_format": "video", "meeting_url": "https://meet.example.org/abc-defg", "location": None,
        "minutes_before": 60,
    }  # fmt: skip


async def throughput(
    platform: BenchPlatform, smtp_port: int, emails: int, connections: int
) -> dict[str, float]:
    connection = await asyncpg.connect(plain(platform.database_url))
    program_id = uuid.uuid4()
    people = await seed(connection, emails, program_id)
    now = datetime.now(UTC) - timedelta(seconds=1)
    notifications, deliveries = [], []
    for person_id, _ in people:
        notification_id = uuid.uuid4()
        notifications.append(
            (notification_id, ORGANIZATION, person_id, "session_reminder", str(uuid.uuid4()),
             orjson.dumps(reminder_context(program_id, "Grace Hopper")).decode(), "Coming up", True, now)
        )  # fmt: skip
        deliveries.append(
            (uuid.uuid4(), f"bench:{notification_id}", ORGANIZATION, person_id, notification_id,
             "session_reminder", "email", "queued", now, now, now)
        )  # fmt: skip
    await connection.copy_records_to_table(
        "notifications", schema_name="notifications", records=notifications,
        columns=["id", "organization", "person_id", "kind", "source_key", "context", "title", "in_inbox",
                 "created_at"],
    )  # fmt: skip
    await connection.copy_records_to_table(
        "deliveries", schema_name="notifications", records=deliveries,
        columns=["id", "key", "organization", "person_id", "notification_id", "kind", "channel", "status",
                 "due_at", "created_at", "updated_at"],
    )  # fmt: skip
    settings = NotificationsSettings(
        database_url=platform.database_url, nats_url=platform.nats_url, event_namespace=platform.namespace,
        environment="test", smtp_port=smtp_port, smtp_connections=connections, dispatch_batch_size=100,
        default_rate_per_minute=1_000_000, database_pool_size=10, log_level="WARNING",
    )  # fmt: skip
    engine = create_engine(settings.database_url, pool_size=10)
    dispatcher = Dispatcher(engine=engine, sessions=session_factory(engine), settings=settings)
    stop = asyncio.Event()
    started, cpu_started = time.perf_counter(), time.process_time()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        while True:
            sent = await connection.fetchval(
                "SELECT count(*) FROM notifications.deliveries WHERE status = 'sent'"
            )
            if sent >= emails:
                break
            failed = await connection.fetchval(
                "SELECT count(*) FROM notifications.deliveries"
                " WHERE status NOT IN ('sent', 'queued', 'sending')"
            )
            if failed:
                raise RuntimeError(f"{failed} deliveries did not go out")
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        # The sender runs in this process: its CPU per email says what a busy machine's wall clock
        # cannot (the sink, PostgreSQL and other work share the cores).
        cpu_seconds = time.process_time() - cpu_started
    finally:
        stop.set()
        await running
        await engine.dispose()
        await connection.close()
    return {
        "emails": emails,
        "seconds": seconds,
        "email_per_s": emails / seconds,
        "email_cpu_ms": cpu_seconds * 1000 / emails,
    }


def accepted_at(folder: Path) -> dict[str, float]:
    """Recipient address -> when the sink accepted the message (the file's modification time)."""
    found = {}
    for path in folder.glob("*.eml"):
        with path.open("rb") as handle:
            headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(handle)
        address = email.utils.parseaddr(str(headers["To"]))[1]
        found[address] = path.stat().st_mtime
    return found


async def consumers_ready(js: Any, namespace: str, worker: asyncio.subprocess.Process) -> None:
    """Until the worker has its durable consumers (it has started and connected), at most a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            await js.consumer_info(stream_name(namespace, "scheduling"), "notifications")
            return
        except NotFoundError:
            if worker.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the notifications worker did not start") from None
            await asyncio.sleep(0.1)


async def latency(
    platform: BenchPlatform, smtp_port: int, folder: Path, rate: float, seconds: float, warmup: float
) -> dict[str, float]:
    events = int(rate * seconds)
    warmup_events = int(rate * warmup)
    connection = await asyncpg.connect(plain(platform.database_url))
    program_id = uuid.uuid4()
    mentor_id = uuid.uuid4()
    people = await seed(connection, warmup_events + events, program_id)
    await connection.execute(
        "INSERT INTO notifications.people"
        " VALUES ($1, $2, 'Grace Hopper', 'grace@example.org', 'UTC', 'en', true, 1)",
        mentor_id, ORGANIZATION,
    )  # fmt: skip
    await connection.close()
    env = {**platform.env(), "SMTP_PORT": str(smtp_port), "LOG_LEVEL": "WARNING", "DATABASE_POOL_SIZE": "10",
           "DEFAULT_RATE_PER_MINUTE": "1000000"}  # fmt: skip
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "notifications.worker", env=env)
    nc = await nats.connect(platform.nats_url)
    js = nc.jetstream()
    for service in (*spec("notifications").sources(), "notifications"):
        await ensure_service_stream(js, namespace=platform.namespace, service=service)
    published: dict[str, float] = {}
    try:
        await consumers_ready(js, platform.namespace, worker)
        start_at = time.perf_counter()
        for n, (person_id, address) in enumerate(people):
            start = datetime.now(UTC) + timedelta(hours=1)
            state = SessionState(
                id=uuid.uuid4(), organization=ORGANIZATION, version=1, sequence=0, match_id=uuid.uuid4(),
                program_id=program_id, mentor_id=mentor_id, mentee_id=person_id, format=SessionFormat.VIDEO,
                status=SessionStatus.SCHEDULED, start=start, end=start + timedelta(hours=1),
                meeting_url="https://meet.example.org/abc", created_at=start, updated_at=start,
            )  # fmt: skip
            envelope = CloudEvent.wrap(
                SessionReminderDue(session=state, recipient_id=person_id, minutes_before=60),
                organization=ORGANIZATION, subject=str(state.id),
            )  # fmt: skip
            if n >= warmup_events:  # the first ones warm the worker up (caches, pools): not measured
                published[address] = time.time()
            await js.publish(
                SessionReminderDue.event_type.subject(platform.namespace),
                orjson.dumps(envelope.model_dump(mode="json")),
                headers={"Nats-Msg-Id": str(envelope.id)},
            )
            pause = start_at + (n + 1) / rate - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
        deadline = time.monotonic() + 60
        arrived: dict[str, float] = {}
        while time.monotonic() < deadline:
            arrived = accepted_at(folder)
            if len(set(arrived) & set(published)) >= len(published):
                break
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
        worker.terminate()
        await asyncio.wait_for(worker.wait(), timeout=30)
    delays = [(arrived[address] - at) * 1000 for address, at in published.items() if address in arrived]
    return {
        "events": events,
        "warmup_events": warmup_events,
        "delivered": len(delays),
        "email_p50_ms": percentile(delays, 50),
        "email_p99_ms": percentile(delays, 99),
        "email_max_ms": max(delays) if delays else float("nan"),
    }


async def live_stream(platform: BenchPlatform, clients: int, sse_events: int) -> dict[str, float]:
    connection = await asyncpg.connect(plain(platform.database_url))
    people = [uuid.uuid4() for _ in range(clients)]
    received: dict[str, float] = {}
    connected = 0
    with api_process(platform, "notifications", pool_size=20) as base_url:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            timeout=aiohttp.ClientTimeout(total=None),
        )

        async def listen(person_id: uuid.UUID) -> None:
            nonlocal connected
            token = mint_dev_token(
                subject=str(person_id), organization=ORGANIZATION, roles=["mentee"], ttl_seconds=3600
            )
            async with session.get(
                f"{base_url}/v1/me/notifications/stream", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if response.status != 200:
                    return
                connected += 1
                async for raw in response.content:
                    line = raw.decode().strip()
                    if line.startswith("data:"):
                        received[orjson.loads(line[5:])["id"]] = time.time()

        listeners = []
        for start in range(0, clients, 100):  # connect in waves, as browsers come and go
            listeners += [asyncio.create_task(listen(person)) for person in people[start : start + 100]]
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + 60
        while connected < clients and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        committed: dict[str, float] = {}
        started = time.perf_counter()
        for n in range(sse_events):
            person_id = random.choice(people)
            notification_id = uuid.uuid4()
            async with connection.transaction():
                await connection.execute(
                    "INSERT INTO notifications.notifications (id, organization, person_id, kind, source_key,"
                    " context, title, in_inbox)"
                    " VALUES ($1, $2, $3, 'session_reminder', $4, '{}', 'Coming up', true)",
                    notification_id, ORGANIZATION, person_id, str(notification_id),
                )  # fmt: skip
                await connection.execute("SELECT pg_notify($1, $2)", LIVE_CHANNEL, str(person_id))
            committed[str(notification_id)] = time.time()
            pause = started + (n + 1) / 100.0 - time.perf_counter()  # 100 notifications a second
            if pause > 0:
                await asyncio.sleep(pause)
        deadline = time.monotonic() + 20
        while len(set(received) & set(committed)) < len(committed) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await session.close()
    await connection.close()
    delays = [(received[key] - at) * 1000 for key, at in committed.items() if key in received]
    return {
        "clients": clients,
        "connected": connected,
        "sse_events": sse_events,
        "sse_received": len(delays),
        "sse_p50_ms": percentile(delays, 50),
        "sse_p99_ms": percentile(delays, 99),
    }


async def run(arguments: argparse.Namespace) -> None:
    with bench_platform() as platform, tempfile.TemporaryDirectory(prefix="bench-mail-") as scratch:
        throughput_folder, latency_folder = Path(scratch) / "throughput", Path(scratch) / "latency"
        with mail_sink(throughput_folder) as port:
            burst = await throughput(platform, port, arguments.emails, arguments.smtp_connections)
        with mail_sink(latency_folder) as port:
            steady = await latency(
                platform, port, latency_folder, arguments.rate, arguments.seconds, arguments.warmup
            )
        live = await live_stream(platform, arguments.clients, arguments.sse_events)
    print_table(
        f"Notifications ({os.cpu_count()} cores, local SMTP sink, one worker, one API process)",
        [
            (f"{burst['emails']:.0f} emails rendered and sent (s)", burst["seconds"]),
            ("emails per second", burst["email_per_s"]),
            ("  sender CPU per email (ms)", burst["email_cpu_ms"]),
            (f"event -> accepted by the sink at {arguments.rate:g}/s: p50 ms", steady["email_p50_ms"]),
            ("  p99 ms", steady["email_p99_ms"]),
            ("  max ms", steady["email_max_ms"]),
            ("  delivered / events", f"{steady['delivered']:.0f} / {steady['events']:.0f}"),
            ("  after warm-up events, not measured", steady["warmup_events"]),
            ("SSE clients connected", f"{live['connected']:.0f} / {live['clients']:.0f}"),
            ("  commit -> received p50 ms", live["sse_p50_ms"]),
            ("  p99 ms", live["sse_p99_ms"]),
            ("  received / committed", f"{live['sse_received']:.0f} / {live['sse_events']:.0f}"),
        ],
    )
    print_figures(
        {
            "bench": "notifications",
            "emails": arguments.emails,
            "email_per_s": round(burst["email_per_s"], 1),
            "email_cpu_ms": round(burst["email_cpu_ms"], 2),
            "rate_per_s": arguments.rate,
            "email_p99_ms": round(steady["email_p99_ms"], 1),
            "clients": live["connected"],
            "sse_p99_ms": round(live["sse_p99_ms"], 1),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=3000, help="emails in the throughput burst (3000)")
    parser.add_argument("--smtp-connections", type=int, default=16, help="SMTP connections (16)")
    parser.add_argument(
        "--rate", type=float, default=50.0, help="events per second in the latency phase (50)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency phase (20)")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of events before the measured ones (3)"
    )
    parser.add_argument("--clients", type=int, default=2000, help="open SSE streams (2000)")
    parser.add_argument("--sse-events", type=int, default=500, help="notifications streamed, 100/s (500)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
