"""Settings of the portal (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class PortalSettings(ServiceSettings):
    service_name: str = "portal"

    # Where each owning service's API is. Empty: every service at `service_url_template` (the names
    # compose and Kubernetes give the APIs). When set (`mentorship run` sets it from the registry), a
    # service missing from it is not deployed and its parts of the home view are "unavailable".
    service_urls: dict[str, str] = {}
    service_url_template: str = "http://{service}-api:8000"
    # A part whose service does not answer within this is reported "unavailable", not waited for.
    upstream_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    upstream_connections: int = Field(default=64, ge=1, le=1000)
    # How much of each list the home view shows.
    upcoming_sessions: int = Field(default=5, ge=1, le=50)
    open_requests: int = Field(default=20, ge=1, le=100)

    def service_url(self, service: str) -> str | None:
        """The base URL of `service`'s API, or None when it is not part of this deployment."""
        if self.service_urls:
            return self.service_urls.get(service)
        return self.service_url_template.format(service=service)
