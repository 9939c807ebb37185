"""Request dependencies of the privacy API, as `Annotated` aliases: the shared ones (who calls,
how to read, how to write) and this service's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from privacy.config import PrivacySettings
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

SettingsDep = Annotated[PrivacySettings, Depends(app_settings)]

__all__ = ["Admin", "Caller", "Change", "Creation", "Paging", "Reader", "RuntimeDep", "SettingsDep", "Writer"]
