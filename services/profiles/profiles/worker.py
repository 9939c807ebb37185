"""The profiles worker (`python -m profiles.worker`): relays the outbox to JetStream.

Profiles consumes no events; it only publishes.
"""

from __future__ import annotations

import asyncio

from profiles.config import ProfilesSettings
from profiles.models import messaging
from shared.worker import run_worker


async def run(settings: ProfilesSettings, stop: asyncio.Event | None = None) -> None:
    """Relay until `stop` is set (or SIGTERM/SIGINT)."""
    await run_worker(settings, outbox=messaging.outbox, stop=stop)


def main() -> None:
    asyncio.run(run(ProfilesSettings()))


if __name__ == "__main__":
    main()
