"""Settings of the profiles service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from shared.config import ServiceSettings


class ProfilesSettings(ServiceSettings):
    service_name: str = "profiles"
