"""Request dependencies of the matching API, as `Annotated` aliases: the settings and the
per-process cache of programs' mentor pools (the shared ones: shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from matching.candidates import PoolCache
from matching.config import MatchingSettings
from shared.dependencies import app_settings


def _pools(request: Request) -> PoolCache:
    pools: PoolCache = request.app.state.pool_cache
    return pools


SettingsDep = Annotated[MatchingSettings, Depends(app_settings)]
PoolsDep = Annotated[PoolCache, Depends(_pools)]

__all__ = ["PoolsDep", "SettingsDep"]
