"""Request dependencies of the feedback API, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from feedback.config import FeedbackSettings
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> FeedbackSettings:
    settings: FeedbackSettings = request.app.state.settings
    return settings


async def _reader(request: Request) -> AsyncIterator[AsyncConnection]:
    # Autocommit: reads are single statements (or a few independent ones), no BEGIN/ROLLBACK.
    engine: AsyncEngine = request.app.state.read_engine
    async with engine.connect() as connection:
        yield connection


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
SettingsDep = Annotated[FeedbackSettings, Depends(_settings)]
Reader = Annotated[AsyncConnection, Depends(_reader)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
