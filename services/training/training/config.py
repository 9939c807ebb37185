"""Settings of the training service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings
from shared.runtime import Runtime

# Where embedded videos may come from: a module names the video, the learner's browser loads it
# from the provider (the server never fetches it).
DEFAULT_VIDEO_HOSTS = (
    "youtube.com",
    "www.youtube.com",
    "youtu.be",
    "www.youtube-nocookie.com",
    "vimeo.com",
    "player.vimeo.com",
)


class TrainingSettings(ServiceSettings):
    service_name: str = "training"
    # Enrollments arrive in bulk (a cohort, an import) and are applied a consumer batch at a time
    # with set-based statements: bigger batches cost fewer statements per enrollment.
    consumer_batch_size: int = Field(default=1000, ge=1, le=10_000)

    # Hosts a module's embedded video URLs may name (exact host names, https only).
    video_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_VIDEO_HOSTS))
    # The periodic job that marks unfinished assignments past their due time overdue (once each):
    # how often it looks, and how many it takes per round (a full round runs again at once).
    overdue_scan_seconds: float = Field(default=300.0, gt=0)
    overdue_batch_size: int = Field(default=1000, ge=1, le=50_000)
    # A course change brings existing enrollments up to date in transactions of this many.
    sync_batch_size: int = Field(default=2000, ge=1, le=50_000)


def settings_of(runtime: Runtime) -> TrainingSettings:
    """The training settings a worker's runtime was created with (jobs need them)."""
    settings = runtime.settings
    if not isinstance(settings, TrainingSettings):
        raise TypeError("the runtime was not created with TrainingSettings")
    return settings
