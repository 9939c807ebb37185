"""The webhooks worker (`python -m webhooks.worker`): consumes every domain event, delivers webhooks.

Runs the outbox relay (EndpointDisabled events), one consumer per publishing service's stream,
the delivery dispatcher (a long-running loop) and the retention policy job.
"""

from __future__ import annotations

import asyncio

from shared.worker import run_worker, serve
from webhooks.config import WebhooksSettings
from webhooks.dispatcher import deliver
from webhooks.handlers import SOURCES
from webhooks.jobs import PERIODIC, TASKS
from webhooks.models import messaging


async def run(settings: WebhooksSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings,
        messaging=messaging,
        sources=SOURCES,
        periodic=PERIODIC,
        tasks=TASKS,
        loops=(deliver,),
        stop=stop,
    )


if __name__ == "__main__":
    serve(run(WebhooksSettings()))
