"""Request dependencies of the scheduling API, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.config import SchedulingSettings
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> SchedulingSettings:
    settings: SchedulingSettings = request.app.state.settings
    return settings


async def _reader(request: Request) -> AsyncIterator[AsyncSession]:
    # Reads only: the transaction is rolled back when the session closes.
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
SettingsDep = Annotated[SchedulingSettings, Depends(_settings)]
Reader = Annotated[AsyncSession, Depends(_reader)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
