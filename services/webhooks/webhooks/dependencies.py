"""Request dependencies of the webhooks API, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.dependencies import app_settings
from shared.outbound import DestinationPolicy
from shared.secret_box import SecretBox
from webhooks.config import WebhooksSettings

__all__ = ["Box", "Policy", "SettingsDep"]


async def _policy(request: Request) -> DestinationPolicy:
    settings: WebhooksSettings = request.app.state.settings
    return settings.destination_policy()


async def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


SettingsDep = Annotated[WebhooksSettings, Depends(app_settings)]
# Where endpoints may point (the operator's destination rules).
Policy = Annotated[DestinationPolicy, Depends(_policy)]
# Seals and opens endpoint secrets.
Box = Annotated[SecretBox, Depends(_box)]
