"""Settings of the webhooks service (environment variables, see `shared.config.ServiceSettings`).

Destinations, timeouts and the retry schedule are the platform's outbound settings
(`shared.outbound.OutboundSettings`), the same for every service that calls URLs it was given.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from shared.config import ServiceSettings
from shared.outbound.settings import OutboundSettings

# Development only: the key that encrypts endpoint secrets at rest. Production must set its own.
DEV_SECRET_ENCRYPTION_KEY = "ZGV2LW9ubHktd2ViaG9va3Mta2V5LW5vdC1zZWNyZXQ="


class WebhooksSettings(ServiceSettings, OutboundSettings):
    DEVELOPMENT_SECRETS: ClassVar[dict[str, str]] = {"secret_encryption_keys": DEV_SECRET_ENCRYPTION_KEY}
    service_name: str = "webhooks"

    # Fernet keys (url-safe base64 of 32 bytes) encrypting endpoint secrets in the database. The
    # first encrypts; every one decrypts, so a key is rotated by putting the new one first.
    secret_encryption_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr(DEV_SECRET_ENCRYPTION_KEY)], min_length=1
    )

    # Delivery: at most `delivery_concurrency` requests in flight per worker, at most
    # `endpoint_concurrency` of them to one endpoint, so a slow endpoint cannot take every slot.
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)
    endpoint_concurrency: int = Field(default=8, ge=1, le=100)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # A worker holds the deliveries it claimed under a lease that its heartbeat renews every third
    # of it; a worker that dies lets them go when the lease ends, so they are attempted again
    # within this many seconds (with the same `webhook-id`: delivery is at least once).
    delivery_lease_seconds: float = Field(default=15.0, ge=1, le=300)

    # Received events (for replay) and the delivery log are kept for the organization's
    # `delivery_log_days` (its retention policy, shared/retention.py; 30 days by default).
    # How long a rotated-out secret keeps signing alongside the new one, unless the rotation says.
    default_rotation_overlap_hours: float = Field(default=24, ge=0, le=168)
