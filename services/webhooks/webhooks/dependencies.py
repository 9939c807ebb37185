"""Request dependencies of the webhooks API, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.runtime import Runtime
from webhooks.config import WebhooksSettings
from webhooks.destinations import DestinationPolicy
from webhooks.secret_box import SecretBox


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _reader(request: Request) -> AsyncIterator[AsyncConnection]:
    # Autocommit: a read is one statement, so no BEGIN/ROLLBACK round trips around it.
    engine: AsyncEngine = request.app.state.read_engine
    async with engine.connect() as connection:
        yield connection


def _policy(request: Request) -> DestinationPolicy:
    settings: WebhooksSettings = request.app.state.settings
    return DestinationPolicy.from_allowlist(settings.destination_allowlist, allow_http=settings.allow_http)


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


def _settings(request: Request) -> WebhooksSettings:
    settings: WebhooksSettings = request.app.state.settings
    return settings


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
Reader = Annotated[AsyncConnection, Depends(_reader)]
Policy = Annotated[DestinationPolicy, Depends(_policy)]
Box = Annotated[SecretBox, Depends(_box)]
Settings = Annotated[WebhooksSettings, Depends(_settings)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
