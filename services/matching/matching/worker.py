"""The matching worker (`python -m matching.worker`): outbox relay, profiles consumer, lifecycle job."""

from __future__ import annotations

import asyncio

from matching.config import MatchingSettings
from matching.handlers import consumers
from matching.jobs import lifecycle_job
from matching.models import messaging
from shared.worker import run_worker, serve


async def run(settings: MatchingSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(settings, outbox=messaging.outbox, consumers=consumers, jobs=[lifecycle_job], stop=stop)


if __name__ == "__main__":
    serve(run(MatchingSettings()))
