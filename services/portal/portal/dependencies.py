"""Request dependencies of the portal API, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portal.config import PortalSettings
from portal.upstreams import Upstreams
from shared.dependencies import Caller, Change, Creation, Paging, Reader, RuntimeDep, Writer, app_settings

__all__ = [
    "Caller",
    "Change",
    "Creation",
    "Paging",
    "Reader",
    "RuntimeDep",
    "SettingsDep",
    "UpstreamsDep",
    "Writer",
]


async def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


SettingsDep = Annotated[PortalSettings, Depends(app_settings)]
# The owning services' APIs.
UpstreamsDep = Annotated[Upstreams, Depends(_upstreams)]
