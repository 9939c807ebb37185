"""The operator's settings of outbound requests, the same in every service that sends them.

A service that calls URLs it was given mixes `OutboundSettings` into its settings
(`class MySettings(ServiceSettings, OutboundSettings)`), so every such service reads the same
environment variables with the same defaults and the same checks.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from shared.outbound.destinations import DestinationPolicy
from shared.outbound.retry_policy import PUBLISHED_SCHEDULE_SECONDS, Decision, decide, parse_retry_after


class OutboundSettings(BaseModel):
    # Destinations (SSRF): HTTPS only, and never private, loopback, link-local or metadata addresses,
    # except the CIDRs or host names an operator lists here (e.g. "10.20.0.0/16", "hooks.internal").
    # IPv6 that carries or translates IPv4 (NAT64, 6to4, Teredo, mapped) is refused too; an IPv6-only
    # network with DNS64 lists "64:ff9b::/96", and the IPv4 behind each address is still checked.
    allow_http: bool = False
    destination_allowlist: list[str] = Field(default_factory=list)

    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    request_timeout_seconds: float = Field(default=15.0, gt=0, le=60)

    # Waits before attempt 2, 3, ... (attempt 1 is immediate); see `retry_policy`.
    retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(PUBLISHED_SCHEDULE_SECONDS), min_length=1
    )
    # Multiplies every wait (schedule and Retry-After): tests run the whole schedule in milliseconds.
    retry_scale: float = Field(default=1.0, gt=0, le=1)
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)

    @field_validator("destination_allowlist")
    @classmethod
    def _readable_allowlist(cls, entries: list[str]) -> list[str]:
        DestinationPolicy.from_allowlist(entries)  # raises on an entry that is neither CIDR nor host
        return entries

    def destination_policy(self) -> DestinationPolicy:
        """The destination rules these settings describe."""
        return DestinationPolicy.from_allowlist(self.destination_allowlist, allow_http=self.allow_http)

    def retry_decision(self, *, attempt: int, status_code: int | None, retry_after: str | None) -> Decision:
        """What follows attempt number `attempt` that got `status_code` (and this `Retry-After`)."""
        return decide(
            attempt=attempt,
            status_code=status_code,
            retry_after=parse_retry_after(retry_after),
            schedule=self.retry_schedule_seconds,
            scale=self.retry_scale,
            jitter=self.retry_jitter,
        )
