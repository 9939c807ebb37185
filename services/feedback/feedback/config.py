"""Settings of the feedback service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings
from shared.runtime import Runtime


class FeedbackSettings(ServiceSettings):
    service_name: str = "feedback"

    # Defaults of a program that has no feedback settings of its own.
    default_feedback_due_hours: int = Field(default=72, ge=1, le=720)
    default_at_risk_threshold: float = Field(default=50.0, ge=0, le=100)
    default_recovery_margin: float = Field(default=10.0, ge=0, le=50)

    # A match goes at risk once its score has stayed below the threshold this long: dips that
    # last only while events catch up (replays, streams delivered in another order) raise no alarm.
    at_risk_confirm_seconds: float = Field(default=900.0, ge=0)

    # Periodic jobs (jobs.py): how often to open due check-ins and to re-evaluate health that time
    # alone changes (a missed cadence shows without any event), how stale a health may get, and
    # how many matches one round takes on (a full round runs again at once).
    checkin_scan_seconds: float = Field(default=60.0, gt=0)
    health_scan_seconds: float = Field(default=300.0, gt=0)
    health_max_age_seconds: float = Field(default=6 * 3600.0, gt=0)
    scan_batch_size: int = Field(default=500, ge=1, le=10_000)

    # Outcomes (feedback.outcomes). The report of an organization is recomputed from its stored
    # history when that history changed (looked at every `outcomes_recompute_seconds`), and at
    # least every `outcomes_max_age_seconds` (health and the 28-day windows move with time alone).
    outcomes_recompute_seconds: float = Field(default=300.0, gt=0)
    outcomes_max_age_seconds: float = Field(default=6 * 3600.0, gt=0)
    # No figure from fewer people than this on either side of a comparison (or answers, goals ...).
    outcomes_min_comparison_size: int = Field(default=20, ge=5)
    # Group reports withhold smaller groups; an organization may raise it, never lower it.
    outcomes_min_group_size: int = Field(default=5, ge=2)
    outcomes_confidence: float = Field(default=0.95, gt=0.5, lt=1)
    outcomes_trend_months: int = Field(default=24, ge=1, le=120)
    # Daily CSV snapshots of every report table: when to look for a missing one, how long to keep.
    outcomes_snapshot_check_seconds: float = Field(default=3600.0, gt=0)
    outcomes_snapshot_keep_days: int = Field(default=30, ge=1, le=3650)
    # Programs needing attention (organization dashboard): a live program is flagged when ...
    # ... sessions held in the last 28 days are below this share of those its cadence plans,
    attention_min_engagement_ratio: float = Field(default=0.5, ge=0, le=10)
    # ... more than this share of its live matches is at risk,
    attention_max_at_risk_share: float = Field(default=0.2, ge=0, le=1)
    # ... more than this share of its mentors' places has no live match,
    attention_max_unfilled_capacity_share: float = Field(default=0.5, ge=0, le=1)
    # ... more than this many mentors have more live matches than their capacity.
    attention_max_overloaded_mentors: int = Field(default=0, ge=0)


def settings_of(runtime: Runtime) -> FeedbackSettings:
    """The feedback settings a worker's runtime was created with (jobs and handlers need them)."""
    settings = runtime.settings
    if not isinstance(settings, FeedbackSettings):
        raise TypeError("the runtime was not created with FeedbackSettings")
    return settings
