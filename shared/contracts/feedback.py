"""Events the feedback service publishes.

No event ever carries free text: notes (private or shared) stay in the feedback service, so
subscribers (matching, webhooks to HR tooling) only see numbers, flags and the reasons the
service itself wrote.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.privacy import accountability_events
from shared.events import Event, EventType


class RequestKind(StrEnum):
    SESSION = "session"  # after a completed session
    CHECKIN = "checkin"  # periodic, at the program's check-in cadence
    CLOSEOUT = "closeout"  # once, when the match ends


class ParticipantRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class RequestStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"  # the session turned out not to have taken place, or the match ended


class FeedbackRequestState(BaseModel):
    """A request for feedback addressed to one participant of a match."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    version: int
    kind: RequestKind
    program_id: uuid.UUID
    match_id: uuid.UUID
    session_id: uuid.UUID | None = None
    respondent_id: uuid.UUID
    respondent_role: ParticipantRole
    opened_at: dt.datetime
    due_at: dt.datetime
    status: RequestStatus


class SubmissionState(BaseModel):
    """What a participant answered, without any free text (numbers only)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    request_id: uuid.UUID
    kind: RequestKind
    program_id: uuid.UUID
    match_id: uuid.UUID
    session_id: uuid.UUID | None = None
    respondent_id: uuid.UUID
    respondent_role: ParticipantRole
    rating: int | None = Field(default=None, description="1-5: the session, or how the mentorship goes")
    mentor_rating: int | None = Field(default=None, description="1-5, given by the mentee")
    goal_progress: int | None = Field(default=None, description="1-5: progress toward the mentee's goals")
    nps: int | None = Field(default=None, description="0-10: would recommend the program")
    scores: dict[str, int] = Field(default_factory=dict, description="Every numeric answer by question id")
    late: bool = Field(description="Submitted after the request was due")
    submitted_at: dt.datetime


class FeedbackRequested(Event):
    """A participant was asked for feedback (after a session, at a check-in, or at close-out)."""

    event_type: ClassVar[EventType] = EventType("feedback", "feedback", "requested", 1)
    request: FeedbackRequestState


class FeedbackSubmitted(Event):
    """A participant submitted post-session feedback (numbers only, never text)."""

    event_type: ClassVar[EventType] = EventType("feedback", "feedback", "submitted", 1)
    submission: SubmissionState


class CheckinSubmitted(Event):
    """A participant answered a periodic check-in (numbers only, never text)."""

    event_type: ClassVar[EventType] = EventType("feedback", "checkin", "submitted", 1)
    submission: SubmissionState


class CloseoutSubmitted(Event):
    """A participant answered the close-out survey of an ended match (numbers only, never text)."""

    event_type: ClassVar[EventType] = EventType("feedback", "closeout", "submitted", 1)
    submission: SubmissionState


class HealthComponentState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    score: float | None = Field(description="0-100, or null when there is no evidence yet")
    weight: float
    explanation: str


class MatchAtRisk(Event):
    """A match's health crossed below its program's threshold (once per crossing), with the reasons."""

    event_type: ClassVar[EventType] = EventType("feedback", "match", "at_risk", 1)
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    episode_id: uuid.UUID = Field(description="Identifies this crossing; the recovery names it again")
    score: float
    threshold: float
    reasons: list[str]
    components: list[HealthComponentState]
    evaluated_at: dt.datetime


class MatchRecovered(Event):
    """A match that was at risk is healthy again (its score rose back above the recovery level)."""

    event_type: ClassVar[EventType] = EventType("feedback", "match", "recovered", 1)
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    episode_id: uuid.UUID
    score: float
    threshold: float
    at_risk_since: dt.datetime
    evaluated_at: dt.datetime


# The same two events under their first name. Deprecated: published alongside `MatchAtRisk` and
# `MatchRecovered`, with the same data, until consumers have moved (then removed).


class RelationshipAtRisk(MatchAtRisk):
    """A match's health crossed below its program's threshold (once per crossing), with the reasons."""

    event_type: ClassVar[EventType] = EventType("feedback", "relationship", "at_risk", 1)
    deprecated_by: ClassVar[str | None] = MatchAtRisk.event_type.name


class RelationshipRecovered(MatchRecovered):
    """A match that was at risk is healthy again (its score rose back above the recovery level)."""

    event_type: ClassVar[EventType] = EventType("feedback", "relationship", "recovered", 1)
    deprecated_by: ClassVar[str | None] = MatchRecovered.event_type.name


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("feedback", __name__)


class CircleFeedbackState(BaseModel):
    """One member's feedback on a circle session: numbers only (their note stays private)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    organization: str
    program_id: uuid.UUID
    circle_id: uuid.UUID
    session_id: uuid.UUID
    respondent_id: uuid.UUID
    respondent_role: str = Field(description="`facilitator` or `member`")
    rating: int = Field(description="1-5: how useful the session was")
    belonging: int = Field(description="1-5: how much the respondent feels part of the circle")
    submitted_at: dt.datetime


class CircleFeedbackSubmitted(Event):
    """A circle member (or facilitator) rated a circle session (numbers only, never text)."""

    event_type: ClassVar[EventType] = EventType("feedback", "circle_feedback", "submitted", 1)
    feedback: CircleFeedbackState
