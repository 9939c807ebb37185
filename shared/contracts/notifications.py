"""Events the notifications service publishes.

They say that a message went out (or could not) on one channel: ids, the kind and the channel,
never the content, the address or the provider's answer (those stay in the delivery log).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.privacy import accountability_events
from shared.events import Event, EventType


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    TEAMS = "teams"


class FailureReason(StrEnum):
    BOUNCED = "bounced"  # the server refused the message for good (5xx)
    FAILED = "failed"  # the retries are used up, or the destination is refused
    UNKNOWN = "unknown"  # a worker stopped mid-send: not sent again, so never twice


class NotificationSent(Event):
    """A notification was accepted by the email server or the chat service."""

    event_type: ClassVar[EventType] = EventType("notifications", "notification", "sent", 1)
    notification_id: uuid.UUID
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    kind: str = Field(description="The notification kind, e.g. `session_booked` (GET /v1/kinds)")
    channel: Channel
    digest: bool = Field(default=False, description="A digest of several notifications")
    sent_at: dt.datetime


class NotificationFailed(Event):
    """A notification could not be delivered on a channel; `reason` says how it ended."""

    event_type: ClassVar[EventType] = EventType("notifications", "notification", "failed", 1)
    notification_id: uuid.UUID
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    channel: Channel
    reason: FailureReason
    attempts: int
    failed_at: dt.datetime


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("notifications", __name__)
