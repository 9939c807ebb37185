"""Request dependencies of the scheduling API, as `Annotated` aliases: its settings (the
shared ones come from shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from scheduling.config import SchedulingSettings
from shared.dependencies import app_settings

SettingsDep = Annotated[SchedulingSettings, Depends(app_settings)]

__all__ = ["SettingsDep"]
