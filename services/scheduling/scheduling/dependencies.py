"""Request dependencies of the scheduling API, as `Annotated` aliases: the shared ones and its settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from scheduling.config import SchedulingSettings
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

SettingsDep = Annotated[SchedulingSettings, Depends(app_settings)]

__all__ = ["Admin", "Caller", "Change", "Creation", "Paging", "Reader", "RuntimeDep", "SettingsDep", "Writer"]
