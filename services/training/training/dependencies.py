"""Request dependencies of the training API, as `Annotated` aliases: this service's settings (who
calls, how to read, how to write: shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.dependencies import app_settings
from training.config import TrainingSettings

SettingsDep = Annotated[TrainingSettings, Depends(app_settings)]

__all__ = ["SettingsDep"]
