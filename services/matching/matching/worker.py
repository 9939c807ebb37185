"""The matching worker (`python -m matching.worker`): outbox relay, the profiles and feedback
consumers, and the match lifecycle job."""

from __future__ import annotations

import asyncio

from matching.config import MatchingSettings
from matching.handlers import SOURCES
from matching.jobs import PERIODIC, TASKS
from matching.models import messaging
from shared.worker import run_worker, serve


async def run(settings: MatchingSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(MatchingSettings()))
