"""Request dependencies of the feedback API, as `Annotated` aliases: its settings and who may read
snapshots (who calls, how to read, how to write: shared.dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from feedback.config import FeedbackSettings
from shared.auth import Principal, Role, require_roles
from shared.dependencies import app_settings

SettingsDep = Annotated[FeedbackSettings, Depends(app_settings)]
# Who may fetch outcome snapshots: admins, and the HR/BI integration loading them on a schedule.
SnapshotReader = Annotated[Principal, require_roles(Role.ADMIN, Role.INTEGRATION)]

__all__ = ["SettingsDep", "SnapshotReader"]
