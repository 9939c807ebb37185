"""The profiles worker (`python -m profiles.worker`): relays the outbox to JetStream and carries
out bulk imports (tasks on the job runner). Profiles consumes no events; it only publishes."""

from __future__ import annotations

import asyncio

from profiles.config import ProfilesSettings
from profiles.handlers import SOURCES
from profiles.jobs import PERIODIC, TASKS
from profiles.models import messaging
from shared.worker import run_worker, serve


async def run(settings: ProfilesSettings, stop: asyncio.Event | None = None) -> None:
    """Relay and import until `stop` is set (or SIGTERM/SIGINT)."""
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(ProfilesSettings()))
