"""The privacy worker (`python -m privacy.worker`): relays the outbox, consumes every service's
stream (audit entries, export parts, erasure confirmations, people), assembles exports, retries
what is pending, erases leavers automatically and applies retention to the trail."""

from __future__ import annotations

import asyncio

from privacy.config import PrivacySettings
from privacy.handlers import SOURCES
from privacy.jobs import PERIODIC, TASKS
from privacy.models import messaging
from shared.worker import run_worker, serve


async def run(settings: PrivacySettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(PrivacySettings()))
