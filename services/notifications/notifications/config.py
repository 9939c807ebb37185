"""Settings of the notifications service (environment variables, see `shared.config.ServiceSettings`).

Chat destinations, timeouts and the retry schedule of Slack and Teams are the platform's outbound
settings (`shared.outbound.OutboundSettings`), the same as webhooks'.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from shared.config import ServiceSettings
from shared.outbound.settings import OutboundSettings

# Development only. Production must set its own.
DEV_UNSUBSCRIBE_SECRET = "dev-only-unsubscribe-secret-not-for-production"
DEV_SECRET_ENCRYPTION_KEY = "ZGV2LW9ubHktbm90aWZpY2F0aW9ucy1rZXktbm8tc2U="


class NotificationsSettings(ServiceSettings, OutboundSettings):
    DEVELOPMENT_SECRETS: ClassVar[dict[str, str]] = {
        "unsubscribe_secret": DEV_UNSUBSCRIBE_SECRET,
        "secret_encryption_keys": DEV_SECRET_ENCRYPTION_KEY,
    }
    service_name: str = "notifications"

    # Where this API is reachable from a mail client (one-click unsubscribe URLs) and where the
    # frontend lives (links in messages).
    public_base_url: str = "http://127.0.0.1:8008"
    app_url: str = "http://127.0.0.1:3000"

    # SMTP: `mentorship run` points these at its local sink when none are configured.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    # none: plain (a local relay or sink); starttls: upgrade on the submission port (587);
    # tls: implicit TLS (465).
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # Connections one worker keeps open to the server, each sending one message at a time.
    smtp_connections: int = Field(default=4, ge=1, le=64)
    mail_from: str = "Mentorship <notifications@mentorship.localhost>"
    # The mailto of List-Unsubscribe (a mailbox an operator reads, or a processing address).
    unsubscribe_mailbox: str = "unsubscribe@mentorship.localhost"
    unsubscribe_secret: SecretStr = SecretStr(DEV_UNSUBSCRIBE_SECRET)

    # Slack's Web API (tests point it at a local receiver).
    slack_api_url: str = "https://slack.com/api/"
    # Fernet keys encrypting organizations' Slack bot tokens at rest (first encrypts, all decrypt).
    secret_encryption_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr(DEV_SECRET_ENCRYPTION_KEY)], min_length=1
    )

    # The sender loop: deliveries claimed per round, how long a claim holds, the idle poll.
    dispatch_batch_size: int = Field(default=200, ge=1, le=5000)
    dispatch_lease_seconds: float = Field(default=60.0, ge=5)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Transient failures are retried this many times, with backoff (shared.jobs.backoff), then failed.
    max_attempts: int = Field(default=8, ge=1, le=50)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    # Messages per minute per organization (all channels) unless its settings say otherwise.
    default_rate_per_minute: int = Field(default=1200, ge=1, le=1_000_000)

    # Jobs: digests that fell due, overdue feedback, deliveries stuck in `sending`.
    digest_poll_seconds: float = Field(default=60.0, gt=0)
    overdue_poll_seconds: float = Field(default=300.0, gt=0)
    recovery_poll_seconds: float = Field(default=30.0, gt=0)

    # Fault-injection seam for tests only: wait this long after a server took a message, before
    # recording its answer (a test kills the worker in that window).
    pause_after_send_seconds: float = Field(default=0.0, ge=0, le=60)
