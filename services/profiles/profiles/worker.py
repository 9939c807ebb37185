"""The profiles worker (`python -m profiles.worker`): relays the outbox to JetStream and carries
out bulk imports.

Profiles consumes no events; it only publishes.
"""

from __future__ import annotations

import asyncio

from profiles.config import ProfilesSettings
from profiles.importing import import_worker
from profiles.models import messaging
from shared.worker import run_worker, serve


async def run(settings: ProfilesSettings, stop: asyncio.Event | None = None) -> None:
    """Relay and import until `stop` is set (or SIGTERM/SIGINT)."""
    await run_worker(settings, outbox=messaging.outbox, jobs=[import_worker(settings)], stop=stop)


def main() -> None:
    serve(run(ProfilesSettings()))


if __name__ == "__main__":
    main()
