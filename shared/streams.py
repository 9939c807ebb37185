"""JetStream connection and idempotent provisioning of streams."""

from __future__ import annotations

import nats
from nats.aio.client import Client as NATS
from nats.errors import ConnectionClosedError, StaleConnectionError, UnexpectedEOF
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.events import service_subjects, stream_name
from shared.logging import get_logger

_log = get_logger("shared.streams")

# Longer than the relay's retry horizon (publish timeout plus the time a crashed relay's row
# locks take to be released), so a re-publish after a crash is always recognised as a duplicate.
DUPLICATE_WINDOW_SECONDS = 3600.0
# Events stay in the stream a week: a consumer down for days catches up from JetStream itself.
STREAM_MAX_AGE_SECONDS = 7 * 24 * 3600.0


# Errors that mean the connection went away (nats-py reconnects on its own after each).
_CONNECTION_LOST = (UnexpectedEOF, StaleConnectionError, ConnectionClosedError, OSError, TimeoutError)


class _OutageLog:
    """Says once that NATS went away and once that it is back, instead of an error per reconnect
    attempt (nats-py's default logs one every half second of an outage)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.down = False
        self.client: NATS | None = None

    async def disconnected(self) -> None:
        if self.client is not None and (self.client.is_closed or self.client.is_draining):
            return  # our own close(), not an outage
        if not self.down:
            self.down = True
            _log.warning("NATS connection lost; reconnecting", client=self.name)

    async def reconnected(self) -> None:
        if self.down:
            self.down = False
            _log.info("NATS connection restored", client=self.name)

    async def error(self, exc: Exception) -> None:
        if isinstance(exc, _CONNECTION_LOST):
            # The first sign of an outage (the server's socket closed): the outage's one line.
            await self.disconnected()
        elif not self.down:
            _log.warning("NATS error", client=self.name, error=repr(exc))


async def connect(url: str, *, name: str, connect_timeout: float = 2.0) -> NATS:
    """Connect with endless reconnects, so a NATS restart is ridden out rather than fatal."""
    outage = _OutageLog(name)
    outage.client = await nats.connect(
        url,
        name=name,
        connect_timeout=connect_timeout,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        pending_size=64 * 1024 * 1024,
        disconnected_cb=outage.disconnected,
        reconnected_cb=outage.reconnected,
        error_cb=outage.error,
    )
    return outage.client


def deadletter_stream(namespace: str) -> str:
    return stream_name(namespace, "deadletter")


def deadletter_subject(namespace: str, consumer: str) -> str:
    return f"{namespace}.deadletter.{consumer}"


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring an existing one to `config` (idempotent)."""
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)
        _log.info("stream created", stream=config.name)
    else:
        await js.update_stream(config)


async def ensure_service_stream(
    js: JetStreamContext, *, namespace: str, service: str, replicas: int = 1
) -> str:
    """The stream of one publishing service, with deduplication by `Nats-Msg-Id`."""
    name = stream_name(namespace, service)
    await ensure_stream(
        js,
        StreamConfig(
            name=name,
            subjects=[service_subjects(namespace, service)],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=STREAM_MAX_AGE_SECONDS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
        ),
    )
    return name


async def ensure_deadletter_stream(js: JetStreamContext, *, namespace: str, replicas: int = 1) -> str:
    """Where consumers park messages they gave up on, until an operator replays them."""
    name = deadletter_stream(namespace)
    await ensure_stream(
        js,
        StreamConfig(
            name=name,
            subjects=[f"{namespace}.deadletter.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=30 * 24 * 3600.0,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
        ),
    )
    return name


async def delete_namespace_streams(nats_url: str, namespace: str) -> None:
    """Remove every stream of an event namespace (a test run's or a benchmark's) from a NATS server
    others share; nothing when the server cannot be reached."""
    try:
        nc = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=1)
    except Exception:
        return
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name and info.config.name.lower().startswith(namespace.lower() + "_"):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()
