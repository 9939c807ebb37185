"""Settings of the feedback service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class FeedbackSettings(ServiceSettings):
    service_name: str = "feedback"

    # Defaults of a program that has no feedback settings of its own.
    default_feedback_due_hours: int = Field(default=72, ge=1, le=720)
    default_at_risk_threshold: float = Field(default=50.0, ge=0, le=100)
    default_recovery_margin: float = Field(default=10.0, ge=0, le=50)

    # A match goes at risk once its score has stayed below the threshold this long: dips that
    # last only while events catch up (replays, streams delivered in another order) raise no alarm.
    at_risk_confirm_seconds: float = Field(default=900.0, ge=0)

    # Worker jobs: how often to open due check-ins and to re-evaluate health that time alone
    # changes (a missed cadence shows without any event), and how stale a health may get.
    checkin_scan_seconds: float = Field(default=60.0, gt=0)
    health_scan_seconds: float = Field(default=300.0, gt=0)
    health_max_age_seconds: float = Field(default=6 * 3600.0, gt=0)
    scan_batch_size: int = Field(default=500, ge=1, le=10_000)
