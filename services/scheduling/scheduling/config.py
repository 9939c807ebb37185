"""Settings of the scheduling service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class SchedulingSettings(ServiceSettings):
    service_name: str = "scheduling"

    # Where this API is reachable from calendar apps: subscription feed URLs are built from it.
    public_base_url: str = "http://127.0.0.1:8003"

    # The `reminders` job (jobs.py): how often it looks for due reminders, and how many it emits per
    # transaction (a full batch runs it again at once).
    reminder_poll_seconds: float = Field(default=15.0, gt=0)
    reminder_batch_size: int = Field(default=200, ge=1, le=10_000)

    # Calendar feeds show sessions from this many days back (and everything ahead).
    feed_history_days: int = Field(default=90, ge=0, le=3650)
    # A person may keep this many live (unrevoked) feed URLs.
    max_feeds_per_person: int = Field(default=10, ge=1, le=100)
