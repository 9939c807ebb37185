"""Request dependencies of the workspace API, as `Annotated` aliases: this service's settings and
the live hub of this API process (who calls, how to read, how to write: shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.dependencies import app_settings
from shared.live import LiveHub
from workspace.config import WorkspaceSettings

SettingsDep = Annotated[WorkspaceSettings, Depends(app_settings)]


async def _live_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


Hub = Annotated[LiveHub, Depends(_live_hub)]

__all__ = ["Hub", "SettingsDep"]
