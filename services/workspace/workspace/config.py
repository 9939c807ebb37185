"""Settings of the workspace service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings
from shared.runtime import Runtime


class WorkspaceSettings(ServiceSettings):
    service_name: str = "workspace"

    # A sender may edit a message this long after posting it (it then shows as edited).
    message_edit_window_seconds: float = Field(default=900.0, ge=0, le=86_400)
    # How many messages before and after a reported one its program's admins see.
    report_context_messages: int = Field(default=5, ge=0, le=50)
    # Messages are deleted this many days after they were posted when the organization has neither a
    # retention policy (privacy's `messages_days`, which decides when set) nor a workspace setting.
    default_message_retention_days: int = Field(default=730, ge=1, le=3650)

    # Periodic jobs (jobs.py): how often they run and how much one round takes on (a full round
    # runs again at once).
    overdue_scan_seconds: float = Field(default=300.0, gt=0)
    retention_scan_seconds: float = Field(default=3600.0, gt=0)
    job_batch_size: int = Field(default=500, ge=1, le=10_000)

    # What one pair may hold, so one workspace cannot grow without bound.
    max_goals_per_match: int = Field(default=100, ge=1, le=10_000)
    max_milestones_per_goal: int = Field(default=30, ge=1, le=1_000)
    max_open_action_items_per_match: int = Field(default=200, ge=1, le=10_000)
    max_agenda_items_per_session: int = Field(default=50, ge=1, le=1_000)


def settings_of(runtime: Runtime) -> WorkspaceSettings:
    """The workspace settings a worker's runtime was created with (jobs need them)."""
    settings = runtime.settings
    if not isinstance(settings, WorkspaceSettings):
        raise TypeError("the runtime was not created with WorkspaceSettings")
    return settings
