"""The feedback worker (`python -m feedback.worker`): relays the outbox, consumes profiles,
matching and scheduling events, opens due check-ins and keeps match health current."""

from __future__ import annotations

import asyncio

from feedback.config import FeedbackSettings
from feedback.handlers import SOURCES
from feedback.jobs import PERIODIC, TASKS
from feedback.models import messaging
from shared.worker import run_worker, serve


async def run(settings: FeedbackSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(FeedbackSettings()))
