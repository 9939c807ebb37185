"""Settings of the matching service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class MatchingSettings(ServiceSettings):
    service_name: str = "matching"

    # Scoring and rounds.
    availability_horizon_weeks: int = Field(default=4, ge=1, le=12)
    availability_cap_minutes: float = Field(default=180.0, gt=0)
    candidates_per_mentee: int = Field(default=24, ge=1, le=500)
    load_spread: float = Field(default=0.01, ge=0, le=0.5)
    min_score: float = Field(default=0.05, ge=0, le=1)
    suggestions_limit: int = Field(default=10, ge=1, le=100)
    # Cached candidate pools (per program) kept for suggestions.
    pool_cache_size: int = Field(default=16, ge=0, le=1000)

    # Lifecycle.
    request_ttl_hours: float = Field(default=7 * 24, gt=0)
    proposal_ttl_hours: float = Field(default=14 * 24, gt=0)
    max_pending_requests: int = Field(default=3, ge=1, le=50)
    lifecycle_poll_seconds: float = Field(default=30.0, gt=0)
    lifecycle_batch_size: int = Field(default=500, ge=1, le=10_000)

    # Fairness audit default minimum group size (organizations may set a larger one). Never below
    # the floor the API documents (matching.schemas.AUDIT_MIN_GROUP_SIZE_FLOOR).
    audit_min_group_size: int = Field(default=5, ge=5, le=1000)
