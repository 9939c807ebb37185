"""Outbound HTTP: everything the platform sends to URLs it was given goes through here.

- `destinations`: the one SSRF check (HTTPS only by default; private, loopback, link-local and
  metadata addresses refused unless an operator allowlists them);
- `pinned_transport`: connection pools that connect only to the very address that was checked;
- `attempts`: one bounded POST that reports what happened;
- `retry_policy`: the one retry schedule (jitter, `Retry-After`) and the verdict after an attempt;
- `settings`: the operator settings of all of the above, mixed into a service's settings.
"""

from __future__ import annotations

from shared.outbound.attempts import AttemptResult, post_once
from shared.outbound.destinations import (
    Destination,
    DestinationPolicy,
    DestinationRefused,
    IPAddress,
    address_refusal,
    check_addresses,
    check_url,
)
from shared.outbound.pinned_transport import EndpointPools, pinned_pool, resolve_and_check
from shared.outbound.retry_policy import (
    PUBLISHED_SCHEDULE_SECONDS,
    Decision,
    Verdict,
    decide,
    is_success,
    parse_retry_after,
)
from shared.outbound.settings import OutboundSettings

__all__ = [
    "PUBLISHED_SCHEDULE_SECONDS",
    "AttemptResult",
    "Decision",
    "Destination",
    "DestinationPolicy",
    "DestinationRefused",
    "EndpointPools",
    "IPAddress",
    "OutboundSettings",
    "Verdict",
    "address_refusal",
    "check_addresses",
    "check_url",
    "decide",
    "is_success",
    "parse_retry_after",
    "pinned_pool",
    "post_once",
    "resolve_and_check",
]
