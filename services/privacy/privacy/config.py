"""Settings of the privacy service (environment variables, see `shared.config.ServiceSettings`)."""

from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings
from shared.runtime import Runtime


class PrivacySettings(ServiceSettings):
    service_name: str = "privacy"

    # An assembled export can be downloaded this long, then its archive is deleted.
    export_download_hours: float = Field(default=72.0, gt=0, le=24 * 30)
    # A request some service has not answered yet is published again after this long, then after
    # twice as long, and so on up to `retry_max_seconds` (a service that is down delays a request,
    # never skips it).
    retry_after_seconds: float = Field(default=300.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    # How often the retry, expiry, automatic erasure and retention jobs look.
    housekeeping_seconds: float = Field(default=60.0, gt=0)
    # The audit trail's CSV export stops after this many entries (narrow the filters for more).
    audit_csv_max_rows: int = Field(default=100_000, ge=1, le=5_000_000)


def settings_of(runtime: Runtime) -> PrivacySettings:
    """The privacy settings a worker's runtime was created with (jobs need them)."""
    settings = runtime.settings
    if not isinstance(settings, PrivacySettings):
        raise TypeError("the runtime was not created with PrivacySettings")
    return settings
