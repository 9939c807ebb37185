"""`mentorship rebuild SERVICE --from PUBLISHER`: replay a publisher's stream, from its first event,
into a service's own handlers, to rebuild or repair the read model the service keeps of the
publisher's data (matching's people from the profiles stream, say), while the service keeps running.

How it stays consistent:

- The replay is a consumer of its own, `<service>-rebuild-<random>`, starting at the stream's first
  event, next to the service's live consumer, which goes on as usual. Its inbox rows are kept under
  its own name (the inbox is keyed by consumer and event id): every event of the stream is applied
  again, those the live consumer already applied included. Within the replay, a redelivered event
  still takes effect once.
- Applying an event twice is safe because handlers are idempotent and read models are
  version-checked (`shared.read_models`): a replayed state no newer than the row changes nothing and
  has no follow-up effect, a newer one wins. Replay and live consumption therefore converge on the
  latest state of every entity, whatever order their transactions commit in.
- It goes through the stream in batches (`--batch`, 1000 events): each batch's effects and inbox rows
  commit in one transaction, with handlers registered by `Handlers.on_batch` (matching's people)
  applying a whole run of events with set-based statements. If anything in a batch fails, the batch
  is redone event by event, so one bad event cannot hold back the others.
- The replay ends once it has acknowledged every event that was in the stream when it started (later
  ones are the live consumer's), and then deletes its consumer and its inbox rows. An event it cannot
  apply is parked in the dead-letter stream like any consumer's, under the replay's name, and counted
  in the result (`mentorship deadletters list` shows them, `replay` hands them to the live consumer).
  Should the command die, the server drops its consumer after an hour unused; its inbox rows stay
  until `DELETE FROM <service>.inbox WHERE consumer LIKE '<service>-rebuild-%'`.
- It replays what the stream holds: JetStream keeps a week of events (`STREAM_MAX_AGE_SECONDS`), so
  an entity that has not changed for longer is not in it; what the replay does not see, it leaves
  as it is.

Services whose handlers act outside the platform's database (webhooks delivers every event to
subscribers) declare `REBUILDABLE = False` in their handlers module: a replay would act again.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import time
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import typer
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.console import Console
from sqlalchemy import delete

from mentorship.services import select
from shared.config import ServiceSettings
from shared.consumer import EventConsumer, Handlers
from shared.events import stream_name
from shared.logging import configure_logging
from shared.runtime import Runtime
from shared.streams import deadletter_stream, deadletter_subject

# A replay left behind by a command that died is deleted by the server after this long unused.
ABANDONED_AFTER_SECONDS = 3600.0
PROGRESS_SECONDS = 2.0
DONE_POLL_SECONDS = 0.05

console = Console(stderr=True)


class RebuildRefused(ValueError):
    """The service cannot be rebuilt from that publisher (unknown, not consumed, or not replayable)."""


@dataclass(frozen=True)
class Rebuilt:
    service: str
    publisher: str
    consumer: str
    events: int  # the stream's events the replay went through
    seconds: float
    parked: int = 0  # of them, events it could not apply, now in the dead-letter stream


def settings_of(service: str) -> ServiceSettings:
    """The service's settings (its `ServiceSettings` subclass in `<service>.config`), from the
    environment as its worker reads them."""
    module = importlib.import_module(f"{service}.config")
    settings_class = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    )
    return settings_class()


def _handlers(service: str, publisher: str, runtime: Runtime) -> tuple[Handlers, Any]:
    """The service's handlers of the publisher's events, and its messaging tables."""
    spec = select([service])[0]
    if publisher not in spec.sources():
        consumed = ", ".join(spec.sources()) or "none"
        raise RebuildRefused(f"{service} does not consume {publisher}'s events (it consumes: {consumed})")
    handlers_module = importlib.import_module(f"{service}.handlers")
    if not getattr(handlers_module, "REBUILDABLE", True):
        raise RebuildRefused(
            f"{service}'s handlers act outside the platform (see its handlers module): no replay"
        )
    sources = handlers_module.SOURCES
    by_source: Mapping[str, Handlers] = sources(runtime) if callable(sources) else sources
    messaging = importlib.import_module(f"{service}.models").messaging
    return by_source[publisher], messaging


async def rebuild(
    service: str,
    publisher: str,
    *,
    settings: ServiceSettings | None = None,
    batch_size: int = 1000,
    progress: bool = True,
) -> Rebuilt:
    """Replay `publisher`'s stream into `service`'s handlers (see the module's docstring)."""
    settings = settings or settings_of(service)
    runtime = Runtime.create(settings)
    handlers, messaging = _handlers(service, publisher, runtime)
    name = f"{settings.service_name}-rebuild-{uuid.uuid4().hex[:8]}"
    stream = stream_name(settings.event_namespace, publisher)
    started = time.monotonic()
    try:
        await runtime.connect_nats(wait=True)
        js = runtime.js
        try:
            state = (await js.stream_info(stream)).state
        except NotFoundError:
            raise RebuildRefused(f"there is no stream {stream}: has {publisher} ever run?") from None
        last, events = state.last_seq, state.messages
        consumer = EventConsumer(
            name=name,
            source_service=publisher,
            handlers=handlers,
            sessions=runtime.sessions,
            inbox=messaging.inbox,
            js=js,
            namespace=settings.event_namespace,
            batch_size=batch_size,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
            fetch_timeout=0.25,
            inactive_threshold=ABANDONED_AFTER_SECONDS,
        )
        await consumer.ensure()
        # Everything loaded so far lives as long as the replay: keep the collector off it.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        replaying = asyncio.create_task(consumer.run(stop))
        try:
            reported = time.monotonic()
            while True:
                info = await js.consumer_info(stream, name)
                done = info.ack_floor.stream_seq if info.ack_floor else 0
                if done >= last or replaying.done():
                    break
                if progress and time.monotonic() - reported >= PROGRESS_SECONDS:
                    console.print(f"replayed {done:,} of {last:,} events", highlight=False)
                    reported = time.monotonic()
                # Checked often (one small request), so the command ends soon after the last batch.
                await asyncio.sleep(DONE_POLL_SECONDS)
        finally:
            stop.set()
            await replaying
        seconds = time.monotonic() - started
        parked = await _parked(js, namespace=settings.event_namespace, consumer=name)
        await js.delete_consumer(stream, name)
        async with runtime.sessions() as session, session.begin():
            await session.execute(delete(messaging.inbox).where(messaging.inbox.c.consumer == name))
    finally:
        await runtime.close()
    return Rebuilt(
        service=service,
        publisher=publisher,
        consumer=name,
        events=events,
        seconds=round(seconds, 2),
        parked=parked,
    )


async def _parked(js: JetStreamContext, *, namespace: str, consumer: str) -> int:
    """How many messages `consumer` parked in the dead-letter stream (counted by the server, per
    subject, without reading them)."""
    subject = deadletter_subject(namespace, consumer)
    try:
        info = await js.stream_info(deadletter_stream(namespace), subjects_filter=subject)
    except NotFoundError:
        return 0
    return int((info.state.subjects or {}).get(subject, 0))


def _run(replay: Coroutine[Any, Any, Rebuilt]) -> Rebuilt:
    """On uvloop when it is installed, as workers run: less CPU per event."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(replay)
    return uvloop.run(replay)


def rebuild_command(
    service: Annotated[str, typer.Argument(help="The service whose read model to rebuild, e.g. matching.")],
    publisher: Annotated[
        str, typer.Option("--from", help="The publishing service whose stream to replay, e.g. profiles.")
    ],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Events per transaction.")] = 1000,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON line.")] = False,
) -> None:
    """Replay PUBLISHER's stream from its first event into SERVICE's handlers, next to its live
    consumer (read models are version-checked, so both converge), then clean up. Reads
    DATABASE_URL, NATS_URL and EVENT_NAMESPACE as the service's worker does. Exits with 1 when some
    events could not be applied (they are in the dead-letter stream), 2 when it cannot start."""
    try:
        settings = settings_of(service)
    except (ValueError, ModuleNotFoundError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    configure_logging(level=settings.log_level, json_logs=settings.log_json, service=f"{service}-rebuild")
    try:
        result = _run(rebuild(service, publisher, settings=settings, batch_size=batch))
    except (RebuildRefused, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if json_output:
        print(json.dumps(asdict(result)))
        if result.parked:
            raise typer.Exit(1)
        return
    rate = result.events / result.seconds if result.seconds else 0.0
    console.print(
        f"[green]rebuilt {service} from {publisher}[/]: {result.events:,} events replayed in "
        f"{result.seconds:.1f} s ({rate:,.0f}/s)",
        highlight=False,
    )
    if result.parked:
        console.print(
            f"[yellow]{result.parked:,} events could not be applied[/]: parked as {result.consumer}'s "
            f"(`mentorship deadletters list --consumer {result.consumer}`; once the cause is fixed, "
            f"`mentorship deadletters replay --all --consumer {result.consumer}` hands them to the "
            "live consumer)",
            highlight=False,
        )
        raise typer.Exit(1)
