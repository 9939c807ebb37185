"""Request and response bodies of the feedback API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback.forms import Answer, Question, QuestionId
from shared.contracts.feedback import ParticipantRole, RequestKind, RequestStatus
from shared.text import Paragraphs


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
    training_assigned: int = Field(
        description="Course assignments (training) made by the end of the week, of those not closed"
    )
    training_completed: int = Field(description="Of those, completed by the end of the week")
    training_overdue: int | None = Field(
        description="Assignments past due and unfinished: known as of now, so on the last week only"
    )


class TrainingSummary(BaseModel):
    assigned: int = Field(description="Course assignments in progress or completed (closed ones left)")
    completed: int
    overdue: int = Field(description="In progress and past their due time")
    completion_rate: float | None = Field(description="Completed / assigned")


class GoalAttainment(BaseModel):
    """Goal attainment (workspace's goals): the share of due goals completed by their target date."""

    objective: str | None = Field(description="The program's objective (onboarding, leadership, ...)")
    goals: int = Field(description="Goals the pairs set (dropped goals and open proposals left out)")
    done: int
    done_on_time: int = Field(description="Done on or before their target date")
    due: int = Field(
        description="Past their target date, or done by it (a goal done early is attained before it is due)"
    )
    attainment: float | None = Field(description="done_on_time / due; null while no goal is due")


class GoalAttainmentReport(BaseModel):
    generated_at: datetime
    objectives: list[GoalAttainment] = Field(description="One line per objective with goals, by name")


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
    training: TrainingSummary = Field(description="Course completion (training), beside matches and sessions")
    goal_attainment: GoalAttainment = Field(
        description="The primary measure of success: goals completed by their target date (workspace)"
    )


class CircleFigures(BaseModel):
    """A program's circles, beside its pairs (the summary and weeks)."""

    circles: int = Field(description="Circles ever formed and accepted in the program")
    running: int
    members: int = Field(description="Members (not facilitators) of running circles")
    sessions_held: int
    mean_rating: float | None = Field(description="Members' mean rating of circle sessions (1-5)")
    mean_health: float | None = Field(description="Mean health score (0-100) of running circles")
    at_risk: int = Field(description="Running circles whose health is at risk")


class ProgramAnalytics(BaseModel):
    program_id: uuid.UUID
    program_name: str
    cohort_start: date
    cohort_end: date
    generated_at: datetime
    summary: AnalyticsSummary
    weeks: list[AnalyticsWeek]
    circles: CircleFigures | None = Field(
        default=None, description="The program's circles beside its pairs (circle programs; else null)"
    )


# --- circles ------------------------------------------------------------------------------------


class CircleFeedbackCreate(_Body):
    session_id: uuid.UUID = Field(description="A completed session of the circle you attended")
    rating: int = Field(ge=1, le=5, description="How useful the session was")
    belonging: int = Field(ge=1, le=5, description="How much you feel part of the circle")
    note: Annotated[str, Paragraphs(2000)] | None = Field(
        default=None, description="Private: visible to you alone, never to the circle, admins or events"
    )


class CircleFeedbackOut(BaseModel):
    id: uuid.UUID
    circle_id: uuid.UUID
    session_id: uuid.UUID
    respondent_id: uuid.UUID
    respondent_role: str
    rating: int
    belonging: int
    note: str | None = Field(description="Your private note")
    submitted_at: datetime


class CircleHealthComponent(BaseModel):
    name: str
    score: float | None = Field(description="0-100; null without evidence yet")
    weight: float
    explanation: str


class CircleHealthOut(BaseModel):
    circle_id: uuid.UUID
    program_id: uuid.UUID
    topic: str
    status: str
    score: float | None = Field(description="0-100; null until the circle has any evidence")
    level: Literal["healthy", "watch", "at_risk", "unknown"]
    components: list[CircleHealthComponent]
    reasons: list[str]
    members_at_risk: list[uuid.UUID] = Field(
        description="Members who feel apart (belonging 1-2) or stopped answering (facilitators, admins)"
    )
