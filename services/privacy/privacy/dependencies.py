"""Request dependencies of the privacy API, as `Annotated` aliases: this service's settings (who
calls, how to read, how to write: shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from privacy.config import PrivacySettings
from shared.dependencies import app_settings

SettingsDep = Annotated[PrivacySettings, Depends(app_settings)]

__all__ = ["SettingsDep"]
