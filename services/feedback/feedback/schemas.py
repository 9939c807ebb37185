"""Request and response bodies of the feedback API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback.forms import Answer, Question, QuestionId
from shared.contracts.feedback import ParticipantRole, RequestKind, RequestStatus


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmissionCreate(_Body):
    answers: dict[QuestionId, Answer] = Field(
        description=(
            "Answer per question id: a number for scale (1-5) and NPS (0-10) questions, "
            '`{"text": ..., "private": false}` for text questions. Private text is visible to its '
            "author alone: never to the other participant, admins, aggregates or events."
        ),
        max_length=50,
    )


class ProgramFeedbackSettingsUpdate(_Body):
    feedback_due_hours: int | None = Field(default=None, ge=1, le=720)
    at_risk_threshold: float | None = Field(default=None, ge=0, le=100)
    recovery_margin: float | None = Field(default=None, ge=0, le=50)
    checkin_questions: list[Question] | None = Field(default=None, max_length=20)
    closeout_questions: list[Question] | None = Field(default=None, max_length=20)


class ProgramFeedbackSettings(BaseModel):
    program_id: uuid.UUID
    feedback_due_hours: int = Field(description="Hours after which an unanswered request is overdue")
    at_risk_threshold: float = Field(description="A match below this health score is at risk")
    recovery_margin: float = Field(description="A match at risk recovers at threshold + margin")
    checkin_questions: list[Question]
    closeout_questions: list[Question]
    session_questions: list[Question] = Field(description="The post-session form (fixed)")
    version: int = Field(description="0 while the program uses the defaults")


class FeedbackRequest(BaseModel):
    id: uuid.UUID
    kind: RequestKind
    program_id: uuid.UUID
    match_id: uuid.UUID
    session_id: uuid.UUID | None
    respondent_id: uuid.UUID
    respondent_role: ParticipantRole
    questions: list[Question]
    opened_at: datetime
    due_at: datetime
    overdue: bool = Field(description="Open and past its due time")
    status: RequestStatus
    submitted_at: datetime | None
    version: int


class FeedbackRequestPage(BaseModel):
    items: list[FeedbackRequest]
    next_cursor: str | None


class NoteView(BaseModel):
    question_id: str
    text: str
    private: bool


class Submission(BaseModel):
    view: Literal["author", "counterpart", "admin"] = Field(
        description="author: everything; counterpart: shared text only; admin: numbers and shared text"
    )
    id: uuid.UUID
    request_id: uuid.UUID
    kind: RequestKind
    program_id: uuid.UUID
    match_id: uuid.UUID
    session_id: uuid.UUID | None
    respondent_id: uuid.UUID
    respondent_role: ParticipantRole
    submitted_at: datetime
    late: bool
    scores: dict[str, int] | None = Field(
        default=None, description="Numeric answers (not in counterpart view)"
    )
    notes: list[NoteView]


class SubmissionPage(BaseModel):
    items: list[Submission]
    next_cursor: str | None


class HealthComponent(BaseModel):
    name: str
    score: float | None
    weight: float
    explanation: str
    figures: dict[str, float]


class MatchHealth(BaseModel):
    match_id: uuid.UUID
    program_id: uuid.UUID
    score: float | None
    threshold: float | None
    at_risk: bool
    at_risk_since: datetime | None
    reasons: list[str]
    components: list[HealthComponent]
    final: bool = Field(description="The match ended: its health is no longer evaluated")
    evaluated_at: datetime


class AtRiskMatch(BaseModel):
    match_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_name: str | None
    mentee_name: str | None
    score: float
    threshold: float
    reasons: list[str]
    at_risk_since: datetime


class AtRiskPage(BaseModel):
    items: list[AtRiskMatch]
    next_cursor: str | None


class AnalyticsWeek(BaseModel):
    week_start: date
    active_matches: int
    waitlisted_mentees: int
    sessions_held: int
    sessions_planned: float = Field(
        description="What the program's session cadence plans for the active matches"
    )
    sessions_no_show: int
    sessions_canceled: int
    submissions: int
    average_rating: float | None = Field(description="Session ratings, 1-5")
    average_mentor_rating: float | None
    goal_progress: float | None = Field(description="1-5")
    satisfaction: float | None = Field(description="Check-ins and close-outs, 1-5")
    nps: float | None = Field(description="-100..100")
    nps_responses: int
    at_risk: int = Field(description="Matches at risk at some point of the week")
    average_health: float | None
    mentors: int
    mentor_load: float | None = Field(description="Active matches per enrolled mentor")


class MentorLoad(BaseModel):
    mentors: int
    capacity: int
    active_matches: int
    utilization: float | None = Field(description="Active matches / capacity")
    at_capacity: int


class AnalyticsSummary(BaseModel):
    active_matches: int
    waitlisted_mentees: int
    at_risk: int
    overdue_requests: int
    sessions_held: int
    sessions_planned: float
    average_rating: float | None
    nps: float | None
    goal_progress: float | None
    average_health: float | None
    mentor_load: MentorLoad


class ProgramAnalytics(BaseModel):
    program_id: uuid.UUID
    program_name: str
    cohort_start: date
    cohort_end: date
    generated_at: datetime
    summary: AnalyticsSummary
    weeks: list[AnalyticsWeek]
