"""Settings every service shares; each service subclasses `ServiceSettings`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-secret-do-not-use-in-production"
_PLACEHOLDERS = {DEV_JWT_SECRET, "", "changeme", "change-me", "secret", "please-change"}
# Browser origins on this machine, any port: what development allows by default.
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?$"


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
    # Where the identity provider puts what the platform needs (docs/sign-in.md). Each is a claim
    # name or a dotted path into nested claims (`realm_access.roles`).
    jwt_subject_claim: str = "sub"  # the person id (the SCIM `id` the platform gave the person)
    jwt_org_claim: str = "org"
    jwt_roles_claim: str = "roles"  # a list of strings, or one space-separated string
    # A provider's role or group names -> the platform's roles (admin, mentor, mentee, integration);
    # names not listed are taken as they are, and names the platform does not know are ignored.
    jwt_role_map: dict[str, str] = {}
    # The organization of tokens without an organization claim (a provider serving one organization).
    jwt_default_organization: str | None = None

    # CORS: which browser origins may call the API from pages of their own. Off in production unless
    # origins are listed; in development and test any http://localhost or 127.0.0.1 origin may.
    # (The gateway serves the console and every API on one origin, which needs no CORS at all.)
    cors_allow_origins: list[str] = []
    cors_allow_origin_regex: str | None = None
    cors_allow_methods: list[str] = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    cors_allow_headers: list[str] = [
        "Authorization",
        "Content-Type",
        "If-Match",
        "If-None-Match",
        "Idempotency-Key",
        "X-Request-Id",
        "traceparent",
    ]
    # Response headers a browser script may read (beyond the CORS-safelisted ones).
    cors_expose_headers: list[str] = [
        "ETag",
        "Location",
        "Retry-After",
        "X-Request-Id",
        "Link",
        "Idempotent-Replayed",
        "Content-Disposition",
        "traceparent",
    ]
    cors_allow_credentials: bool = False
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86_400)

    # Outbox relay and consumers.
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    consumer_batch_size: int = Field(default=256, ge=1, le=10_000)
    consumer_max_deliver: int = Field(default=5, ge=1)
    # How long the server waits for an ack before redelivering: short, because a batch in progress
    # is kept alive with `+WPI` and a worker shutting down naks what it holds.
    consumer_ack_wait_seconds: float = Field(default=10.0, ge=1)
    # Published outbox rows are kept this long (for audits and replay), then deleted.
    outbox_retention_hours: float = Field(default=72, gt=0)
    # The worker serves its own /metrics (relay backlog, consumer counters) on this port, if set,
    # on this address (0.0.0.0 in a container, so Prometheus can scrape it from outside).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    # Request bodies larger than this are refused with 413 before they are read (routes that need
    # more, such as imports, set their own limit).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Rate limits per API process (`limits` notation); the gateway in front adds a global one.
    rate_limit_enabled: bool = True
    rate_limit_anonymous: str = "50/second"
    rate_limit_bad_tokens: str = "20/minute"
    rate_limit_per_token: str = "1000/second"
    # Prometheus metrics of an API: on a port of their own when set; otherwise on the API port at
    # /metrics only when `metrics_on_api_port` (default: yes in development and test, no in production).
    api_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    api_metrics_host: str = "127.0.0.1"
    metrics_on_api_port: bool | None = None
    # Durable jobs (shared.jobs): how many run at once per worker, how long a claim holds without a
    # heartbeat (a dead worker's jobs are taken over after this), and the longest idle poll.
    job_concurrency: int = Field(default=4, ge=1, le=64)
    job_lease_seconds: float = Field(default=15.0, ge=1)
    job_poll_seconds: float = Field(default=5.0, gt=0)
    # Replicas of the streams a worker provisions: 3 on a 3-node JetStream cluster, 1 on one server.
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # The audit trail (shared/audit.py): how often the worker ships its audit log to the privacy
    # service, and how long shipped entries stay in the local log (the privacy service keeps them).
    audit_ship_seconds: float = Field(default=2.0, gt=0)
    audit_local_retention_hours: float = Field(default=72, gt=0)

    @property
    def cors_origin_regex(self) -> str | None:
        """The origins allowed by pattern: the configured one, else local ones outside production."""
        if self.cors_allow_origin_regex is not None or self.environment == "production":
            return self.cors_allow_origin_regex or None
        return LOCAL_ORIGINS

    @property
    def cors_enabled(self) -> bool:
        return bool(self.cors_allow_origins or self.cors_origin_regex)

    @property
    def serves_metrics_on_api_port(self) -> bool:
        if self.metrics_on_api_port is not None:
            return self.metrics_on_api_port
        return self.environment != "production" and self.api_metrics_port is None

    @field_validator("database_url")
    @classmethod
    def _asyncpg(cls, value: str) -> str:
        return async_database_url(value)

    # Settings (by field name) whose development value production must not run with: the value the
    # repository ships, for a secret or each key of a list of keys.
    DEVELOPMENT_SECRETS: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment == "production":
            for field, development_value in self.DEVELOPMENT_SECRETS.items():
                value: Any = getattr(self, field)
                secrets = value if isinstance(value, list | tuple) else [value]
                if any(secret.get_secret_value() == development_value for secret in secrets):
                    raise ValueError(
                        f"production needs {field.upper()} of its own, not the development value"
                    )
            if self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() in _PLACEHOLDERS:
                raise ValueError(
                    "production needs JWT_JWKS_URL (identity provider) or a real JWT_SECRET, "
                    "not the development placeholder"
                )
            if self.jwt_jwks_url is None and len(self.jwt_secret.get_secret_value()) < 32:
                raise ValueError("JWT_SECRET must be at least 32 characters in production")
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            # Credentials for every origin would let any site act with a signed-in user's cookies.
            raise ValueError("CORS_ALLOW_CREDENTIALS needs CORS_ALLOW_ORIGINS to list origins, not '*'")
        return self
