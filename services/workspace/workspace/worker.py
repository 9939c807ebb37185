"""The workspace worker (`python -m workspace.worker`): relays the outbox, consumes profiles',
matching's, scheduling's and feedback's events, announces overdue action items and enforces
message retention."""

from __future__ import annotations

import asyncio

from shared.worker import run_worker, serve
from workspace.config import WorkspaceSettings
from workspace.handlers import SOURCES
from workspace.jobs import PERIODIC, TASKS
from workspace.models import messaging


async def run(settings: WorkspaceSettings, stop: asyncio.Event | None = None) -> None:
    await run_worker(
        settings, messaging=messaging, sources=SOURCES, periodic=PERIODIC, tasks=TASKS, stop=stop
    )


if __name__ == "__main__":
    serve(run(WorkspaceSettings()))
