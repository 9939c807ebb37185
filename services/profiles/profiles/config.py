"""Settings of the profiles service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from zoneinfo import available_timezones

from pydantic import Field, field_validator

from shared.config import ServiceSettings


class ProfilesSettings(ServiceSettings):
    service_name: str = "profiles"
    # What a person provisioned by SCIM or a bulk import gets when the HR system does not say.
    default_time_zone: str = "UTC"
    default_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    # Bulk imports: rows per transaction (a batch with a refused row is done again with a savepoint
    # per row, and far past 64 savepoints in one transaction PostgreSQL slows down), and how often
    # the worker looks for new jobs.
    import_batch_size: int = Field(default=100, ge=1, le=1000)
    import_poll_seconds: float = Field(default=1.0, gt=0)

    @field_validator("default_time_zone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone")
        return value
