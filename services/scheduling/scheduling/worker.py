"""The scheduling worker (`python -m scheduling.worker`): relays the outbox, consumes profiles' and
matching's events, and runs the durable jobs (due reminders)."""

from __future__ import annotations

import asyncio

from scheduling.config import SchedulingSettings
from scheduling.handlers import SOURCES
from scheduling.jobs import PERIODIC, TASKS
from scheduling.models import messaging
from shared.worker import run_worker, serve


async def run(settings: SchedulingSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(SchedulingSettings()))
