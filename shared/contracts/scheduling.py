"""Events the scheduling service publishes.

Every event carries the session's FULL current state and its `version`; `sequence` is the
iCalendar SEQUENCE, raised on every change a calendar must see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Event, EventType


class SessionFormat(StrEnum):
    VIDEO = "video"
    IN_PERSON = "in_person"
    ASYNC = "async"  # an asynchronous check-in: a due date and a prompt instead of a meeting


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELED = "canceled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class SessionState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    sequence: int = Field(description="iCalendar SEQUENCE")
    match_id: uuid.UUID = Field(description="The mentorship (matching's match id)")
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    format: SessionFormat
    status: SessionStatus
    start: dt.datetime = Field(description="UTC; for async sessions, when the check-in opens")
    end: dt.datetime = Field(description="UTC; for async sessions, the due time")
    meeting_url: str | None = None
    location: str | None = None
    prompt: str | None = None
    cancel_reason: str | None = None
    no_show: list[uuid.UUID] = Field(default_factory=list, description="Who did not show up")
    created_at: dt.datetime
    updated_at: dt.datetime


class SessionScheduled(Event):
    """A session was booked."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "scheduled", 1)
    session: SessionState


class SessionRescheduled(Event):
    """A session moved to another time (same identity, higher sequence)."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "rescheduled", 1)
    session: SessionState
    previous_start: dt.datetime


class SessionCanceled(Event):
    """A session was canceled; `session.cancel_reason` says why."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "canceled", 1)
    session: SessionState


class SessionCompleted(Event):
    """A session took place."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "completed", 1)
    session: SessionState


class SessionNoShow(Event):
    """A session did not take place because someone did not show up."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "no_show", 1)
    session: SessionState


class SessionReminderDue(Event):
    """A reminder is due for one participant (emitted exactly once per reminder)."""

    event_type: ClassVar[EventType] = EventType("scheduling", "session", "reminder_due", 1)
    session: SessionState
    recipient_id: uuid.UUID
    minutes_before: int
