"""The portal API application (`uvicorn --factory portal.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from portal.config import PortalSettings
from portal.models import messaging
from portal.queries import SERVICES
from portal.routes import ROUTERS
from portal.upstreams import Upstreams
from shared.app import create_service_app
from shared.runtime import Runtime

DESCRIPTION = """
The backend-for-frontend of the platform's consoles: `GET /v1/me` answers a person's home screen in
one round trip (profile and enrollments, matches with the other person's public profile, next
sessions with join links in the person's time zone, open feedback requests and check-ins, and the
parts of services deployed later).

It keeps no data: every part is read concurrently from the service that owns it, with the caller's
own token, so each service's visibility rules apply. A part that cannot be read is reported as
`{"status": "unavailable", "reason": ...}`; the rest of the view is still answered.
"""


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()

    async def on_startup(app: FastAPI, runtime: Runtime) -> None:
        app.state.upstreams = Upstreams(settings, SERVICES)

    async def on_shutdown(app: FastAPI, runtime: Runtime) -> None:
        await app.state.upstreams.close()

    return create_service_app(
        settings=settings,
        title="Portal",
        description=DESCRIPTION,
        routers=ROUTERS,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        messaging=messaging,
    )
