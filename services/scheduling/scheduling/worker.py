"""The scheduling worker (`python -m scheduling.worker`): relays the outbox, consumes profiles and
matching events, and emits due reminders."""

from __future__ import annotations

import asyncio

from scheduling.config import SchedulingSettings
from scheduling.handlers import consumers
from scheduling.models import messaging
from scheduling.reminder_job import reminder_job
from shared.worker import run_worker, serve


async def run(settings: SchedulingSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings,
        outbox=messaging.outbox,
        consumers=consumers,
        jobs=[
            reminder_job(poll_seconds=settings.reminder_poll_seconds, batch_size=settings.reminder_batch_size)
        ],
        stop=stop,
    )


if __name__ == "__main__":
    serve(run(SchedulingSettings()))
