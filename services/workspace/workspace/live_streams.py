"""The conversations' live streams in one API process: one `shared.live.LiveHub` listening on the
workspace's channel, started with the app and closed with it (create_app's lifespan hooks)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.listening import listen_dsn
from shared.live import LiveHub
from shared.runtime import Runtime
from workspace.service.messages import LIVE_CHANNEL


async def open_hub(app: FastAPI, runtime: Runtime) -> None:
    hub = LiveHub(dsn=listen_dsn(runtime.settings.database_url), channel=LIVE_CHANNEL)
    await hub.start()
    app.state.live_hub = hub


async def close_hub(app: FastAPI, runtime: Runtime) -> None:
    hub: LiveHub | None = getattr(app.state, "live_hub", None)
    if hub is not None:
        await hub.close()
