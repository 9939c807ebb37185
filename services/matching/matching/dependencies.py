"""Request dependencies of the matching API, as `Annotated` aliases: the shared ones, the settings,
and the per-process cache of programs' mentor pools."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from matching.candidates import PoolCache
from matching.config import MatchingSettings
from shared.dependencies import (
    Admin,
    Caller,
    Change,
    Creation,
    Paging,
    Reader,
    RuntimeDep,
    Writer,
    app_settings,
)


def _pools(request: Request) -> PoolCache:
    pools: PoolCache = request.app.state.pool_cache
    return pools


SettingsDep = Annotated[MatchingSettings, Depends(app_settings)]
PoolsDep = Annotated[PoolCache, Depends(_pools)]

__all__ = [
    "Admin",
    "Caller",
    "Change",
    "Creation",
    "Paging",
    "PoolsDep",
    "Reader",
    "RuntimeDep",
    "SettingsDep",
    "Writer",
]
