"""Request dependencies of the matching API, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matching.candidates import PoolCache
from matching.config import MatchingSettings
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> MatchingSettings:
    settings: MatchingSettings = request.app.state.settings
    return settings


async def _reader(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.read_sessions
    async with sessions() as session:
        yield session


def _pools(request: Request) -> PoolCache:
    pools: PoolCache = request.app.state.pool_cache
    return pools


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
SettingsDep = Annotated[MatchingSettings, Depends(_settings)]
PoolsDep = Annotated[PoolCache, Depends(_pools)]
Reader = Annotated[AsyncSession, Depends(_reader)]  # autocommit: for endpoints that only read
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
