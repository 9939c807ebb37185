"""A service's worker process: the outbox relay and the event consumers, until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from prometheus_client import start_http_server
from sqlalchemy import Table

from shared.config import ServiceSettings
from shared.consumer import EventConsumer
from shared.logging import configure_logging, get_logger
from shared.outbox import OutboxRelay
from shared.runtime import Runtime
from shared.streams import ensure_deadletter_stream, ensure_service_stream

_log = get_logger("shared.worker")

ConsumerFactory = Callable[[Runtime], Sequence[EventConsumer]]
# A periodic or long-running job of a service (reminders, expiries, retries): runs until `stop` is set.
Job = Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]


def build_relay(runtime: Runtime, *, outbox: Table) -> OutboxRelay:
    """The relay of a service's outbox, configured from its settings."""
    settings = runtime.settings
    return OutboxRelay(
        service=settings.service_name,
        table=outbox,
        sessions=runtime.sessions,
        js=runtime.js,
        namespace=settings.event_namespace,
        listen_dsn=settings.database_url.replace("postgresql+asyncpg://", "postgresql://"),
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        retention=timedelta(hours=settings.outbox_retention_hours),
    )


async def provision(runtime: Runtime, *, publishes: bool) -> None:
    """Streams this service needs: its own (if it publishes) and the dead-letter stream."""
    settings = runtime.settings
    if publishes:
        await ensure_service_stream(
            runtime.js,
            namespace=settings.event_namespace,
            service=settings.service_name,
            replicas=settings.stream_replicas,
        )
    await ensure_deadletter_stream(
        runtime.js, namespace=settings.event_namespace, replicas=settings.stream_replicas
    )


async def run_worker(
    settings: ServiceSettings,
    *,
    outbox: Table | None,
    consumers: ConsumerFactory | None = None,
    jobs: Sequence[Job] = (),
    stop: asyncio.Event | None = None,
) -> None:
    """Run relay, consumers and jobs until `stop` is set (or a termination signal arrives)."""
    configure_logging(level=settings.log_level, json_logs=settings.log_json, service=settings.service_name)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not possible outside the main thread (tests run workers as tasks).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    runtime = Runtime.create(settings)
    try:
        await runtime.connect_nats(wait=True)
        await provision(runtime, publishes=outbox is not None)
        tasks: list[asyncio.Task[None]] = []
        if outbox is not None:
            tasks.append(asyncio.create_task(build_relay(runtime, outbox=outbox).run(stop)))
        for consumer in consumers(runtime) if consumers else ():
            tasks.append(asyncio.create_task(consumer.run(stop)))
        for job in jobs:
            tasks.append(asyncio.create_task(job(runtime, stop)))
        _log.info("worker started", service=settings.service_name, tasks=len(tasks))
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await runtime.close()
        _log.info("worker stopped", service=settings.service_name)


def serve(worker: Coroutine[Any, Any, None]) -> None:
    """Run a worker process to completion (`python -m <service>.worker`), on uvloop when it is
    installed: the relay and consumers spend measurably less CPU per event on it."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        asyncio.run(worker)
    else:
        uvloop.run(worker)
