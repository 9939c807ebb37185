"""The notifications worker (`python -m notifications.worker`): relays the outbox, consumes the
events of profiles, matching, scheduling and feedback, sends (the dispatcher loop) and runs the
durable jobs (digests, overdue feedback, recovery)."""

from __future__ import annotations

import asyncio

from notifications.config import NotificationsSettings
from notifications.dispatcher import send
from notifications.handlers import SOURCES
from notifications.jobs import PERIODIC, TASKS
from notifications.models import messaging
from shared.worker import run_worker, serve


async def run(settings: NotificationsSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings,
        messaging=messaging,
        sources=SOURCES,
        periodic=PERIODIC,
        tasks=TASKS,
        loops=(send,),
        stop=stop,
    )


if __name__ == "__main__":
    serve(run(NotificationsSettings()))
