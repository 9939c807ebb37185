"""The portal worker (`python -m portal.worker`): the portal publishes and consumes nothing, so its
worker only provisions the shared dead-letter stream and waits; it exists so that every service is
run, deployed and checked the same way."""

from __future__ import annotations

import asyncio

from portal.config import PortalSettings
from portal.handlers import SOURCES
from portal.jobs import PERIODIC, TASKS
from portal.models import messaging
from shared.worker import run_worker, serve


async def run(settings: PortalSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings,
        messaging=messaging,
        sources=SOURCES,
        periodic=PERIODIC,
        tasks=TASKS,
        stop=stop,
    )


if __name__ == "__main__":
    serve(run(PortalSettings()))
