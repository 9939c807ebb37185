"""Request and response bodies of the webhooks API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.webhooks import EndpointDisabledReason
from shared.text import SafeMultilineText, SafeText
from webhooks.models import AttemptState, DeliveryStatus, DeliveryTrigger

EventTypePattern = Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]
EventTypePatterns = Annotated[list[EventTypePattern], Field(min_length=1, max_length=50)]
Description = Annotated[SafeMultilineText, StringConstraints(max_length=500)]
# `https://` is what production accepts (the operator may allow `http://` with ALLOW_HTTP, for
# development); the destination's checks (no private, loopback or metadata addresses) come after.
Url = Annotated[
    SafeText,
    StringConstraints(min_length=1, max_length=2048, strip_whitespace=True),
    Field(
        json_schema_extra={"format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]://[^/?#]"},
        examples=["https://hooks.example.com/mentorship"],
    ),
]
URL_HELP = (
    "The `https://` URL that receives the webhooks; its host must resolve to public addresses only "
    "(private, loopback, link-local and metadata addresses are refused with 422, unless the "
    "operator allowlists them)"
)

EVENT_TYPES_HELP = (
    "Event types to receive, e.g. `mentorship.matching.*`, `*.person.*` or "
    "`mentorship.profiles.person.deactivated` (`*` and `?` are wildcards; see GET /v1/event-types)"
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EndpointCreate(_Body):
    url: Url = Field(description=URL_HELP)
    event_types: EventTypePatterns = Field(description=EVENT_TYPES_HELP)
    description: Description | None = None
    enabled: bool = True


class EndpointUpdate(_Body):
    url: Url | None = Field(default=None, description=URL_HELP)
    event_types: EventTypePatterns | None = None
    description: Description | None = None
    enabled: bool | None = Field(default=None, description="Enabling a disabled endpoint resumes deliveries")


class Endpoint(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: EndpointDisabledReason | None
    disabled_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then the previous secret also signs (after a rotation)"
    )
    last_success_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EndpointWithSecret(Endpoint):
    secret: str = Field(description="The signing secret (`whsec_...`). Shown only in this response: keep it")


class EndpointPage(BaseModel):
    items: list[Endpoint]
    next_cursor: str | None = None


class SecretRotation(_Body):
    overlap_seconds: int | None = Field(
        default=None,
        ge=0,
        le=7 * 24 * 3600,
        description="How long the current secret keeps signing alongside the new one (default 24 h)",
    )


class Attempt(BaseModel):
    number: int
    state: AttemptState = Field(
        description="`sending` while under way; `completed` once answered, timed out or refused; "
        "`interrupted` if its worker stopped mid-attempt (the endpoint may have received it: the "
        "next attempt carries the same `webhook-id`)"
    )
    started_at: dt.datetime
    latency_ms: float | None = Field(description="Until the response (none while sending or interrupted)")
    status_code: int | None
    succeeded: bool
    error: str | None = Field(description="Why there was no response (timeout, refused destination, ...)")
    response: str | None = Field(description="The beginning of the response body")


class Delivery(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="Also the `webhook-id` header, the same on every attempt")
    event_type: str
    trigger: DeliveryTrigger
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: float | None
    last_response: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


class DeliveryDetail(Delivery):
    attempt_log: list[Attempt]


class DeliveryPage(BaseModel):
    items: list[Delivery]
    next_cursor: str | None = None


class Replay(_Body):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from", description="Events that occurred at or after this time")
    end: AwareDatetime = Field(
        alias="to", description="... and before this time, which must be after `from` (422 otherwise)"
    )
    only_failed: bool = Field(
        default=False, description="Only events this endpoint has not received successfully"
    )


class ReplayResult(BaseModel):
    enqueued: int = Field(description="Deliveries created (events already pending are not repeated)")


class EventTypeInfo(BaseModel):
    name: str = Field(description="CloudEvents `type`, e.g. mentorship.profiles.person.updated.v1")
    service: str
    entity: str
    action: str
    version: int
    summary: str


class EventTypePage(BaseModel):
    items: list[EventTypeInfo]
    next_cursor: str | None = None
