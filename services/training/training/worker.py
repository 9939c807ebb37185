"""The training worker (`python -m training.worker`): relays the outbox, consumes profiles' events
(assignments follow enrollments), reports overdue assignments and applies course and gate changes."""

from __future__ import annotations

import asyncio

from shared.worker import run_worker, serve
from training.config import TrainingSettings
from training.handlers import SOURCES
from training.jobs import PERIODIC, TASKS
from training.models import messaging


async def run(settings: TrainingSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(TrainingSettings()))
