"""The feedback worker (`python -m feedback.worker`): relays the outbox, consumes profiles,
matching and scheduling events, opens due check-ins and keeps relationship health current."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from feedback.config import FeedbackSettings
from feedback.handlers import consumers
from feedback.jobs import JOBS
from feedback.models import messaging
from shared.consumer import EventConsumer
from shared.runtime import Runtime
from shared.worker import run_worker, serve


async def run(settings: FeedbackSettings, stop: asyncio.Event | None = None) -> None:
    def build_consumers(runtime: Runtime) -> Sequence[EventConsumer]:
        return consumers(runtime, settings)

    await run_worker(settings, outbox=messaging.outbox, consumers=build_consumers, jobs=JOBS, stop=stop)


if __name__ == "__main__":
    serve(run(FeedbackSettings()))
