"""The notifications API application (`uvicorn --factory notifications.main:create_app`)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.models import messaging
from notifications.routes import PUBLIC_PATHS, ROUTERS
from notifications.service import LIVE_CHANNEL
from shared.app import create_service_app
from shared.listening import listen_dsn
from shared.live import LiveHub
from shared.runtime import Runtime
from shared.secret_box import SecretBox

DESCRIPTION = """
Tells people what happened where they are: email (HTML and plain text, a calendar invitation for
session changes, one-click unsubscribe), Slack or Microsoft Teams (per organization), and an
in-app inbox with an unread count and a live stream (Server-Sent Events, resumable with
`Last-Event-ID`) so a frontend shows a bell without polling.

Each person chooses channels per kind, a daily or weekly digest for low-urgency kinds, quiet hours
in their own time zone, or everything off. Organizations name their program admins (who hear of
relationships at risk), connect chat, and may override the wording per kind and language
(sandboxed templates, checked when saved). Every message is sent at most once per event, person
and channel; the delivery log shows what the server answered. Errors are RFC 9457 problem details.
"""


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()

    async def on_startup(app: FastAPI, runtime: Runtime) -> None:
        app.state.secret_box = SecretBox(settings.secret_encryption_keys)
        app.state.live_hub = LiveHub(dsn=listen_dsn(settings.database_url), channel=LIVE_CHANNEL)
        await app.state.live_hub.start()
        app.state.live_reads = asyncio.Semaphore(settings.database_pool_size)

    async def on_shutdown(app: FastAPI, runtime: Runtime) -> None:
        await app.state.live_hub.close()

    return create_service_app(
        settings=settings,
        title="Notifications",
        description=DESCRIPTION,
        routers=ROUTERS,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        messaging=messaging,
        public_paths=PUBLIC_PATHS,
    )
