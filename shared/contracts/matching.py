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
