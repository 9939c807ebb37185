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

from shared.contracts.privacy import accountability_events
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
    match_id: uuid.UUID = Field(description="The match (matching's match id)")
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
    facilitator_id: uuid.UUID | None = Field(
        default=None,
        description="A facilitated check-in's third participant: the program admin who opened it",
    )
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


# -- group and flash sessions -----------------------------------------------------------------------


class ParticipantStatus(StrEnum):
    ATTENDING = "attending"
    LEFT = "left"  # left the circle: their time is freed, the session goes on without them


class SessionParticipantState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: uuid.UUID
    role: str = Field(description="`facilitator` or `member` (a circle's roles)")
    status: ParticipantStatus = ParticipantStatus.ATTENDING


class CircleSessionState(BaseModel):
    """A session of a circle: every active member attends, each with their time blocked."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    sequence: int = Field(description="iCalendar SEQUENCE")
    circle_id: uuid.UUID = Field(description="The circle (matching's circle id)")
    program_id: uuid.UUID
    format: SessionFormat = Field(description="video or in_person")
    status: SessionStatus
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(description="UTC")
    meeting_url: str | None = None
    location: str | None = None
    cancel_reason: str | None = None
    participants: list[SessionParticipantState] = Field(description="Facilitators and members")
    created_at: dt.datetime
    updated_at: dt.datetime


class CircleSessionScheduled(Event):
    """A circle session was booked for all of the circle's members."""

    event_type: ClassVar[EventType] = EventType("scheduling", "circle_session", "scheduled", 1)
    session: CircleSessionState


class CircleSessionRescheduled(Event):
    """A circle session moved to another time (same identity, higher sequence)."""

    event_type: ClassVar[EventType] = EventType("scheduling", "circle_session", "rescheduled", 1)
    session: CircleSessionState
    previous_start: dt.datetime


class CircleSessionCanceled(Event):
    """A circle session was canceled for everyone; `session.cancel_reason` says why."""

    event_type: ClassVar[EventType] = EventType("scheduling", "circle_session", "canceled", 1)
    session: CircleSessionState


class CircleSessionCompleted(Event):
    """A circle session took place."""

    event_type: ClassVar[EventType] = EventType("scheduling", "circle_session", "completed", 1)
    session: CircleSessionState


class CircleSessionParticipantLeft(Event):
    """A member left the circle: they no longer attend this coming session (it goes on without them)."""

    event_type: ClassVar[EventType] = EventType("scheduling", "circle_session", "participant_left", 1)
    session: CircleSessionState
    person_id: uuid.UUID


class FlashSessionState(BaseModel):
    """A single session a mentee booked in a mentor's office hours (flash mentoring)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    sequence: int = Field(description="iCalendar SEQUENCE")
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    office_hours_id: uuid.UUID
    skill: str | None = Field(default=None, description="What the mentee wants help with (a skill slug)")
    format: SessionFormat = SessionFormat.VIDEO
    status: SessionStatus
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(description="UTC")
    month: str = Field(description="YYYY-MM in the mentor's zone: the month whose flash limit it uses")
    meeting_url: str | None = None
    cancel_reason: str | None = None
    follow_up_program_id: uuid.UUID | None = Field(
        default=None, description="The long-term program both are asked to continue in"
    )
    mentor_agreed_at: dt.datetime | None = None
    mentee_agreed_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class FlashSessionBooked(Event):
    """A mentee booked a flash session in a mentor's office hours."""

    event_type: ClassVar[EventType] = EventType("scheduling", "flash_session", "booked", 1)
    session: FlashSessionState


class FlashSessionCanceled(Event):
    """A flash session was canceled: its slot and its place in the mentor's monthly limit are free."""

    event_type: ClassVar[EventType] = EventType("scheduling", "flash_session", "canceled", 1)
    session: FlashSessionState


class FlashSessionCompleted(Event):
    """A flash session took place."""

    event_type: ClassVar[EventType] = EventType("scheduling", "flash_session", "completed", 1)
    session: FlashSessionState


class FlashMatchAgreed(Event):
    """Mentor and mentee of a flash session both agreed to continue as a long-term match in
    `session.follow_up_program_id`: matching makes the match (accepted, source `flash`)."""

    event_type: ClassVar[EventType] = EventType("scheduling", "flash_session", "match_agreed", 1)
    session: FlashSessionState


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("scheduling", __name__)
