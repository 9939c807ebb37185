"""The webhooks worker (`python -m webhooks.worker`): consumes every domain event, delivers webhooks.

Runs the outbox relay (EndpointDisabled events), one consumer per publishing service's stream,
the delivery dispatcher and the retention job.
"""

from __future__ import annotations

import asyncio

from shared.runtime import Runtime
from shared.worker import Job, run_worker, serve
from webhooks import retention
from webhooks.config import WebhooksSettings
from webhooks.dispatcher import Dispatcher
from webhooks.handlers import consumers
from webhooks.models import messaging


def jobs(settings: WebhooksSettings) -> list[Job]:
    async def deliver(runtime: Runtime, stop: asyncio.Event) -> None:
        listen_dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        dispatcher = Dispatcher(
            engine=runtime.engine, sessions=runtime.sessions, settings=settings, listen_dsn=listen_dsn
        )
        await dispatcher.run(stop)

    async def prune(runtime: Runtime, stop: asyncio.Event) -> None:
        await retention.run(runtime.sessions, stop, retention_seconds=settings.retention_days * 86400)

    return [deliver, prune]


async def run(settings: WebhooksSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(settings, outbox=messaging.outbox, consumers=consumers, jobs=jobs(settings), stop=stop)


if __name__ == "__main__":
    serve(run(WebhooksSettings()))
