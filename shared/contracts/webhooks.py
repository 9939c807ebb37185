"""Events the webhooks service publishes.

Endpoint events carry the endpoint's state (never its secret) and its `version`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.privacy import accountability_events
from shared.events import Event, EventType


class EndpointDisabledReason(StrEnum):
    GONE = "gone"  # the endpoint answered 410 Gone
    FAILING = "failing"  # a delivery failed through the whole retry schedule with no success since
    ADMIN = "admin"  # an admin disabled it


class EndpointState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    url: str
    description: str | None = None
    event_types: list[str] = Field(description="Subscribed event types; `*` and `?` are wildcards")
    enabled: bool
    disabled_reason: EndpointDisabledReason | None = None
    disabled_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class EndpointDisabled(Event):
    """A webhook endpoint was disabled; `reason` says why, and no more deliveries go to it."""

    event_type: ClassVar[EventType] = EventType("webhooks", "endpoint", "disabled", 1)
    endpoint: EndpointState
    reason: EndpointDisabledReason
    last_status_code: int | None = Field(default=None, description="HTTP status of the last attempt")
    last_error: str | None = Field(default=None, description="Why the last attempt failed, if not a status")


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("webhooks", __name__)
