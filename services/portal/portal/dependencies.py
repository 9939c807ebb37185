"""Request dependencies of the portal API, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portal.config import PortalSettings
from portal.upstreams import Upstreams
from shared.dependencies import app_settings

__all__ = ["SettingsDep", "UpstreamsDep"]


async def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


SettingsDep = Annotated[PortalSettings, Depends(app_settings)]
# The owning services' APIs.
UpstreamsDep = Annotated[Upstreams, Depends(_upstreams)]
