"""LISTEN/NOTIFY wake-ups that survive database restarts.

Relays, dispatchers and the job runner sleep until a commit signals new work on a channel; the
listener reconnects by itself and signals once after every (re)connection, so what committed while
it was not listening is picked up at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg

from shared.logging import get_logger
from shared.stopping import sleep_or_stop

_log = get_logger("shared.listening")
# How often an idle listening connection is checked (a dead one is replaced).
KEEPALIVE_SECONDS = 5.0


def listen_dsn(database_url: str) -> str:
    """The plain libpq URL asyncpg connects with, from the service's SQLAlchemy URL."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


async def listen(
    dsn: str,
    channels: list[str],
    wake: Callable[[], None],
    stop: asyncio.Event,
    *,
    on_payload: Callable[[str], None] | None = None,
) -> None:
    """Call `wake` on every notification on `channels` (and after each reconnection) until `stop`;
    with `on_payload`, notifications go there with their payload instead (reconnections still
    call `wake`)."""

    def notified(_connection: object, _pid: int, _channel: str, payload: str) -> None:
        if on_payload is not None:
            on_payload(payload)
        else:
            wake()

    while not stop.is_set():
        try:
            connection = await asyncpg.connect(dsn)
            try:
                for channel in channels:
                    await connection.add_listener(channel, notified)
                wake()  # catch up on anything committed while not listening
                while not stop.is_set() and not connection.is_closed():
                    await sleep_or_stop(stop, KEEPALIVE_SECONDS)
                    await connection.execute("SELECT 1")
            finally:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.info("listener reconnecting", channels=channels, error=repr(exc))
            await sleep_or_stop(stop, 1.0)
