"""Events the matching service publishes.

Every event carries the match's FULL current state and its `version`, so consumers (scheduling,
feedback, webhooks) build read models from events alone and drop stale ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.privacy import accountability_events
from shared.contracts.profiles import ProgramFormat
from shared.events import Event, EventType


class MatchStatus(StrEnum):
    PROPOSED = "proposed"  # drafted by a round, awaiting the admin (or published to the pair)
    REQUESTED = "requested"  # a mentee asked a mentor (mentee-choice mode)
    ACCEPTED = "accepted"  # agreed; becomes active when the relationship starts
    DECLINED = "declined"
    EXPIRED = "expired"
    ACTIVE = "active"
    ENDED = "ended"


class MatchSource(StrEnum):
    ROUND = "round"  # program-wide assignment
    MENTEE_REQUEST = "mentee_request"
    MANUAL = "manual"  # an admin paired them by hand
    FLASH = "flash"  # a flash session both sides agreed to turn into a long-term match


class MatchEndReason(StrEnum):
    COMPLETED = "completed"
    PERSON_DEACTIVATED = "person_deactivated"
    ENROLLMENT_WITHDRAWN = "enrollment_withdrawn"
    ADMIN = "admin"
    PARTICIPANT = "participant"
    PROGRAM_CLOSED = "program_closed"


class MatchState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    status: MatchStatus
    source: MatchSource
    score: float = Field(description="Weighted total in [0, 1]")
    score_breakdown: dict[str, float] = Field(default_factory=dict, description="Component -> [0, 1]")
    reasons: list[str] = Field(default_factory=list, description="Short human-readable explanations")
    round_id: uuid.UUID | None = None
    expires_at: dt.datetime | None = None
    end_reason: MatchEndReason | None = None
    ended_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    format: ProgramFormat = Field(
        default=ProgramFormat.ONE_TO_ONE,
        description=(
            "Its program's format: in a peer match both teach (reasons name both directions); in a "
            "reverse match the mentor is the junior one"
        ),
    )
    flash_session_id: uuid.UUID | None = Field(
        default=None, description="The flash session it grew out of (source `flash`)"
    )


class MatchProposed(Event):
    """A match was proposed to the pair (a published round, or automatic mode)."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "proposed", 1)
    match: MatchState


class MatchRequested(Event):
    """A mentee requested a mentor (mentee-choice mode); the mentor accepts or declines."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "requested", 1)
    match: MatchState


class MatchAccepted(Event):
    """The match was accepted: the pair starts working together (scheduling begins here)."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "accepted", 1)
    match: MatchState


class MatchDeclined(Event):
    """The match or request was declined."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "declined", 1)
    match: MatchState


class MatchExpired(Event):
    """A request or proposal expired unanswered."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "expired", 1)
    match: MatchState


class MatchEnded(Event):
    """An accepted or active match ended; `match.end_reason` says why."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "ended", 1)
    match: MatchState


class MatchActivated(Event):
    """An accepted match became active: the relationship started (its program's cohort began)."""

    event_type: ClassVar[EventType] = EventType("matching", "match", "activated", 1)
    match: MatchState


# -- circles: a group of mentees with one or more facilitators, in a circle-format program ---------


class CircleStatus(StrEnum):
    PROPOSED = "proposed"  # formed by a circle round, awaiting the admin
    ACCEPTED = "accepted"  # running: its sessions can be booked
    DECLINED = "declined"  # the admin did not take the proposal
    ENDED = "ended"


class CircleRole(StrEnum):
    FACILITATOR = "facilitator"  # enrolled as mentor
    MEMBER = "member"  # enrolled as mentee


class CircleMemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class CircleMember(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: uuid.UUID
    role: CircleRole
    status: CircleMemberStatus = CircleMemberStatus.ACTIVE
    score: float | None = Field(default=None, description="A member's fit with the circle in [0, 1]")
    reasons: list[str] = Field(default_factory=list, description="Why this person is in this circle")
    left_at: dt.datetime | None = None
    left_reason: MatchEndReason | None = None


class CircleState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    program_id: uuid.UUID
    status: CircleStatus
    topic: str = Field(description="Skill slug the circle is about")
    language: str | None = Field(default=None, description="The language every member speaks (ISO 639-1)")
    meeting_weekday: int | None = Field(
        default=None, description="A weekly time every member is free: weekday (0 = Monday, UTC)"
    )
    meeting_start: str | None = Field(default=None, description="... and its start, HH:MM UTC")
    score: float = Field(description="Mean fit of its members in [0, 1]")
    members: list[CircleMember] = Field(description="Facilitators and members, those who left included")
    round_id: uuid.UUID | None = None
    end_reason: MatchEndReason | None = None
    ended_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class CircleProposed(Event):
    """A circle round proposed a circle (facilitators, members and why each is in it)."""

    event_type: ClassVar[EventType] = EventType("matching", "circle", "proposed", 1)
    circle: CircleState


class CircleAccepted(Event):
    """A circle was accepted: its members start meeting (scheduling begins here)."""

    event_type: ClassVar[EventType] = EventType("matching", "circle", "accepted", 1)
    circle: CircleState


class CircleDeclined(Event):
    """A proposed circle was declined by an admin."""

    event_type: ClassVar[EventType] = EventType("matching", "circle", "declined", 1)
    circle: CircleState


class CircleMemberLeft(Event):
    """One member (or facilitator) left a circle: only their membership ended; `person_id` says who."""

    event_type: ClassVar[EventType] = EventType("matching", "circle", "member_left", 1)
    circle: CircleState
    person_id: uuid.UUID


class CircleEnded(Event):
    """A circle ended (completed, closed by an admin, or no facilitator or member left)."""

    event_type: ClassVar[EventType] = EventType("matching", "circle", "ended", 1)
    circle: CircleState


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("matching", __name__)
