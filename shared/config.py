"""Settings every service shares; each service subclasses `ServiceSettings`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-secret-do-not-use-in-production"
_PLACEHOLDERS = {DEV_JWT_SECRET, "", "changeme", "change-me", "secret", "please-change"}


def async_database_url(url: str) -> str:
    """Normalize a PostgreSQL URL to the asyncpg driver SQLAlchemy needs."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


class ServiceSettings(BaseSettings):
    """Base settings read from the environment (and an optional `.env`).

    Placeholder secrets are accepted only when `ENVIRONMENT` is `development` or `test`.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorship"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    nats_url: str = "nats://127.0.0.1:4222"
    # Prefix of NATS subjects and stream names, so several platforms (or test runs) share one server.
    event_namespace: str = Field(default="mentorship", pattern=r"^[a-z][a-z0-9]{0,30}$")
    log_level: str = "INFO"
    log_json: bool = True

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_algorithms: list[str] = ["HS256"]
    jwt_issuer: str = "mentorship-dev"
    jwt_audience: str = "mentorship"
    # Production: tokens from the organization's identity provider, verified against its JWKS.
    jwt_jwks_url: str | None = None

    # Outbox relay and consumers.
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    consumer_batch_size: int = Field(default=256, ge=1, le=10_000)
    consumer_max_deliver: int = Field(default=5, ge=1)
    # Published outbox rows are kept this long (for audits and replay), then deleted.
    outbox_retention_hours: float = Field(default=72, gt=0)
    # The worker serves its own /metrics (relay backlog, consumer counters) on this port, if set,
    # on this address (0.0.0.0 in a container, so Prometheus can scrape it from outside).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    # Durable jobs (shared.jobs): how many run at once per worker, how long a claim holds without a
    # heartbeat (a dead worker's jobs are taken over after this), and the longest idle poll.
    job_concurrency: int = Field(default=4, ge=1, le=64)
    job_lease_seconds: float = Field(default=15.0, ge=1)
    job_poll_seconds: float = Field(default=5.0, gt=0)
    # Replicas of the streams a worker provisions: 3 on a 3-node JetStream cluster, 1 on one server.
    stream_replicas: int = Field(default=1, ge=1, le=5)

    @field_validator("database_url")
    @classmethod
    def _asyncpg(cls, value: str) -> str:
        return async_database_url(value)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment == "production":
            if self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() in _PLACEHOLDERS:
                raise ValueError(
                    "production needs JWT_JWKS_URL (identity provider) or a real JWT_SECRET, "
                    "not the development placeholder"
                )
            if self.jwt_jwks_url is None and len(self.jwt_secret.get_secret_value()) < 32:
                raise ValueError("JWT_SECRET must be at least 32 characters in production")
        return self
