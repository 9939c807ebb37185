"""Request dependencies of the training API, as `Annotated` aliases: the shared ones (who calls,
how to read, how to write) and this service's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

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
from training.config import TrainingSettings

SettingsDep = Annotated[TrainingSettings, Depends(app_settings)]

__all__ = ["Admin", "Caller", "Change", "Creation", "Paging", "Reader", "RuntimeDep", "SettingsDep", "Writer"]
