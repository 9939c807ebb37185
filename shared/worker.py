"""A service's worker process: the outbox relay, the event consumers and the durable jobs, until
SIGTERM/SIGINT. Every service's `worker.py` is one call to `run_worker`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import timedelta
from typing import Any

from prometheus_client import start_http_server
from sqlalchemy import Table

from shared.audit import shipping as audit_shipping
from shared.config import ServiceSettings
from shared.consumer import EventConsumer, Handlers
from shared.jobs import JobRunner, Periodic, Task
from shared.listening import listen_dsn
from shared.logging import configure_logging, get_logger
from shared.messaging_tables import MessagingTables
from shared.outbox import OutboxRelay
from shared.runtime import Runtime
from shared.streams import ensure_deadletter_stream, ensure_service_stream

_log = get_logger("shared.worker")

ConsumerFactory = Callable[[Runtime], Sequence[EventConsumer]]
# The handlers of a service per publishing service it reads ("profiles" -> Handlers), or a factory
# of them from the runtime (handlers that need the service's settings).
Sources = Mapping[str, Handlers] | Callable[[Runtime], Mapping[str, Handlers]]
# A long-running loop of a service that is not a job (e.g. the webhook dispatcher): runs until
# `stop` is set. Periodic work and retried tasks are `shared.jobs` jobs instead.
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
        listen_dsn=listen_dsn(settings.database_url),
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        retention=timedelta(hours=settings.outbox_retention_hours),
    )


def build_consumers(runtime: Runtime, *, inbox: Table, sources: Sources) -> list[EventConsumer]:
    """One durable consumer per stream the service reads, named after the service (so its replicas
    share it), with the batch size and delivery limit of its settings."""
    settings = runtime.settings
    by_source = sources(runtime) if callable(sources) else sources
    return [
        EventConsumer(
            name=settings.service_name,
            source_service=source,
            handlers=handlers,
            sessions=runtime.sessions,
            inbox=inbox,
            js=runtime.js,
            namespace=settings.event_namespace,
            batch_size=settings.consumer_batch_size,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
        )
        for source, handlers in by_source.items()
    ]


def build_job_runner(
    runtime: Runtime, *, table: Table, periodic: Sequence[Periodic], tasks: Sequence[Task]
) -> JobRunner:
    """The runner of a service's durable jobs, woken by LISTEN/NOTIFY when tasks are enqueued."""
    settings = runtime.settings
    return JobRunner(
        service=settings.service_name,
        table=table,
        sessions=runtime.sessions,
        runtime=runtime,
        periodic=periodic,
        tasks=tasks,
        concurrency=settings.job_concurrency,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
        listen_dsn=listen_dsn(settings.database_url),
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
    messaging: MessagingTables | None = None,
    sources: Sources | None = None,
    periodic: Sequence[Periodic] = (),
    tasks: Sequence[Task] = (),
    loops: Sequence[Job] = (),
    outbox: Table | None = None,
    consumers: ConsumerFactory | None = None,
    jobs: Sequence[Job] = (),
    publishes: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the relay, the consumers of `sources`, the durable `periodic` jobs and `tasks`, and any
    other `loops`, until `stop` is set (or a termination signal arrives).

    `outbox`, `consumers` and `jobs` are the older spelling of the same (a relay table, a consumer
    factory, loops) for services not yet moved to `messaging` and `sources`.
    """
    configure_logging(level=settings.log_level, json_logs=settings.log_json, service=settings.service_name)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not possible outside the main thread (tests run workers as tasks).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    runtime = Runtime.create(settings)
    try:
        await runtime.connect_nats(wait=True)
        relay_table = messaging.outbox if messaging is not None and publishes else outbox
        await provision(runtime, publishes=relay_table is not None)
        running: list[asyncio.Task[None]] = []
        if relay_table is not None:
            running.append(asyncio.create_task(build_relay(runtime, outbox=relay_table).run(stop)))
        event_consumers: list[EventConsumer] = list(consumers(runtime)) if consumers else []
        if sources is not None:
            if messaging is None:
                raise ValueError("consuming `sources` needs the service's `messaging` tables (its inbox)")
            event_consumers += build_consumers(runtime, inbox=messaging.inbox, sources=sources)
        for consumer in event_consumers:
            running.append(asyncio.create_task(consumer.run(stop)))
        audited = messaging is not None and getattr(messaging, "audit", None) is not None
        if audited and relay_table is not None:
            # Every publishing service ships its audit log to the privacy service (shared/audit.py).
            periodic = [*periodic, audit_shipping(messaging)]
        if periodic or tasks:
            if messaging is None:
                raise ValueError("durable jobs need the service's `messaging` tables (its jobs table)")
            runner = build_job_runner(runtime, table=messaging.jobs, periodic=periodic, tasks=tasks)
            running.append(asyncio.create_task(runner.run(stop)))
        for loop_ in (*loops, *jobs):
            running.append(asyncio.create_task(loop_(runtime, stop)))
        # Everything loaded so far lives as long as the process: keep the collector from scanning it
        # again and again (a consumer draining a backlog spent a quarter of its CPU in the collector).
        gc.collect()
        gc.freeze()
        _log.info("worker started", service=settings.service_name, tasks=len(running))
        await stop.wait()
        await asyncio.gather(*running, return_exceptions=True)
    finally:
        await runtime.close()
        # Give the signals back: a process that ran a worker (a test session, the single-process
        # mode) must still stop on Ctrl-C and SIGTERM afterwards.
        for sig in installed:
            loop.remove_signal_handler(sig)
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
