"""Settings of the webhooks service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.config import ServiceSettings
from webhooks.destinations import DestinationPolicy
from webhooks.retry_policy import PUBLISHED_SCHEDULE_SECONDS

# Development only: the key that encrypts endpoint secrets at rest. Production must set its own.
DEV_SECRET_ENCRYPTION_KEY = "ZGV2LW9ubHktd2ViaG9va3Mta2V5LW5vdC1zZWNyZXQ="


class WebhooksSettings(ServiceSettings):
    service_name: str = "webhooks"

    # Fernet keys (url-safe base64 of 32 bytes) encrypting endpoint secrets in the database. The
    # first encrypts; every one decrypts, so a key is rotated by putting the new one first.
    secret_encryption_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr(DEV_SECRET_ENCRYPTION_KEY)], min_length=1
    )

    # Destinations (SSRF): HTTPS only, and never private, loopback, link-local or metadata addresses,
    # except the CIDRs or host names an operator lists here (e.g. "10.20.0.0/16", "hooks.internal").
    allow_http: bool = False
    destination_allowlist: list[str] = Field(default_factory=list)

    # Delivery: at most `delivery_concurrency` requests in flight per worker, at most
    # `endpoint_concurrency` of them to one endpoint, so a slow endpoint cannot take every slot.
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)
    endpoint_concurrency: int = Field(default=8, ge=1, le=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    request_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0, le=60)

    # Waits before attempt 2, 3, ... (attempt 1 is immediate); see `retry_policy`.
    retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(PUBLISHED_SCHEDULE_SECONDS), min_length=1
    )
    # Multiplies every wait (schedule and Retry-After): tests run the whole schedule in milliseconds.
    retry_scale: float = Field(default=1.0, gt=0, le=1)
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)

    # Received events (for replay) and the delivery log are kept this long.
    retention_days: float = Field(default=30, gt=0)
    # How long a rotated-out secret keeps signing alongside the new one, unless the rotation says.
    default_rotation_overlap_hours: float = Field(default=24, ge=0, le=168)

    @field_validator("destination_allowlist")
    @classmethod
    def _readable_allowlist(cls, entries: list[str]) -> list[str]:
        DestinationPolicy.from_allowlist(entries)  # raises on an entry that is neither CIDR nor host
        return entries

    @model_validator(mode="after")
    def _refuse_development_key(self) -> WebhooksSettings:
        if self.environment == "production" and any(
            key.get_secret_value() == DEV_SECRET_ENCRYPTION_KEY for key in self.secret_encryption_keys
        ):
            raise ValueError("production needs SECRET_ENCRYPTION_KEYS of its own, not the development key")
        return self
