"""Request and response bodies of the workspace API (tables are in models.py, events in
shared/contracts/workspace.py). Request bodies reject unknown fields, so a typo is a 422; every text
field has a length limit and refuses control characters (shared.text)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import CaseOutcome, CaseSource, GoalStatus, GuidanceKind
from shared.text import Line, Paragraphs
from workspace.models import CaseActionKind, ReportReason, ReportStatus

# Text limits (characters).
TITLE = 200
ACTION_TITLE = 300
MEASURE = 1000
COMMENT = 2000
AGENDA_TEXT = 1000
NOTES = 20_000
MESSAGE = 4000
SECTION = 4000
NOTE = 2000

Title = Annotated[str, Line(TITLE)]
SkillSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _no_repeats(values: list[Any] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat")


# --- settings ------------------------------------------------------------------------------------


class AgreementSections(_Request):
    """The sections of an agreement (and of a program's template)."""

    expectations: Annotated[str, Paragraphs(SECTION, min_length=0)]
    meeting_frequency: Annotated[str, Paragraphs(SECTION, min_length=0)]
    preferred_channels: Annotated[str, Paragraphs(SECTION, min_length=0)]
    confidentiality: Annotated[str, Paragraphs(SECTION, min_length=0)]
    how_to_end: Annotated[str, Paragraphs(SECTION, min_length=0)]


class ProgramWorkspaceSettingsUpdate(_Request):
    agreement_template: AgreementSections
    agreement_required_before_first_session: bool


class ProgramWorkspaceSettings(BaseModel):
    program_id: uuid.UUID
    agreement_template: AgreementSections
    agreement_required_before_first_session: bool
    version: int = Field(description="The ETag; 0 while the program uses the defaults")


class OrganizationWorkspaceSettingsUpdate(_Request):
    message_retention_days: int = Field(
        ge=1,
        le=3650,
        description="Messages are deleted after this many days, unless the organization's retention "
        "policy (privacy service, `messages_days`) says otherwise: the policy decides when set",
    )


class OrganizationWorkspaceSettings(BaseModel):
    organization: str
    message_retention_days: int
    message_edit_window_seconds: float
    report_context_messages: int
    version: int


# --- agreement -----------------------------------------------------------------------------------


class AgreementEdit(_Request):
    sections: AgreementSections


class AgreementSigning(_Request):
    version: int = Field(ge=0, description="The version being signed (the agreement's ETag)")


class Signature(BaseModel):
    person_id: uuid.UUID
    signed_version: int | None
    signed_at: datetime | None
    current: bool = Field(description="Signed the current version")


class Agreement(BaseModel):
    match_id: uuid.UUID
    program_id: uuid.UUID
    version: int
    status: str = Field(description="none (still the template), draft, partially_signed or signed")
    sections: AgreementSections
    required_before_first_session: bool
    mentor: Signature
    mentee: Signature
    updated_by: uuid.UUID | None
    updated_at: datetime | None


# --- goals ---------------------------------------------------------------------------------------


class MilestoneCreate(_Request):
    title: Title
    due_date: date | None = None


class GoalCreate(_Request):
    """A goal: what (title), how it is measured, by when, which skills and which guidance. With a
    `template`, what is not given comes from the template (its milestones included)."""

    template: Annotated[str, Line(60)] | None = Field(default=None, description="A goal template's key")
    title: Title | None = None
    measure: Annotated[str, Paragraphs(MEASURE)] | None = None
    target_date: date | None = Field(default=None, description="Not in the past (in the mentee's time zone)")
    skills: list[SkillSlug] = Field(default_factory=list, max_length=10)
    guidance_kind: GuidanceKind | None = None
    milestones: list[MilestoneCreate] | None = Field(default=None, max_length=30)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.template is None and self.title is None:
            raise ValueError("a goal needs a title (or a template)")
        _no_repeats(self.skills, "skills")
        return self


class GoalUpdate(_Request):
    title: Title | None = None
    measure: Annotated[str, Paragraphs(MEASURE)] | None = None
    target_date: date | None = None
    skills: list[SkillSlug] | None = Field(default=None, max_length=10)
    guidance_kind: GuidanceKind | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("a goal's title cannot be removed")
        if "guidance_kind" in self.model_fields_set and self.guidance_kind is None:
            raise ValueError("a goal's guidance kind cannot be removed")
        _no_repeats(self.skills, "skills")
        return self


class ProgressCreate(_Request):
    status: GoalStatus
    percent: int | None = Field(default=None, ge=0, le=100)
    note: Annotated[str, Paragraphs(MEASURE)] | None = None


class MilestoneUpdate(_Request):
    title: Title | None = None
    due_date: date | None = None
    reached: bool | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("a milestone's title cannot be removed")
        if "reached" in self.model_fields_set and self.reached is None:
            raise ValueError("reached is true or false")
        return self


class CommentCreate(_Request):
    body: Annotated[str, Paragraphs(COMMENT)]


class Comment(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime


class CommentPage(BaseModel):
    items: list[Comment]
    next_cursor: str | None


class Milestone(BaseModel):
    id: uuid.UUID
    goal_id: uuid.UUID
    title: str
    due_date: date | None
    reached: bool
    reached_at: datetime | None
    reached_on_time: bool | None
    position: int
    version: int


class Goal(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    title: str
    measure: str | None
    target_date: date | None
    skills: list[str]
    guidance_kind: GuidanceKind
    status: GoalStatus
    percent: int | None
    overdue: bool = Field(description="Open, and its target date has passed")
    adopted: bool = Field(description="The mentee's goal (set by them, or a proposal they accepted)")
    proposal: str | None = Field(description="pending, accepted or declined, for a mentor's proposal")
    proposed_by: uuid.UUID | None
    template: str | None
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    completed_on_time: bool | None
    milestones: list[Milestone]
    version: int


class GoalPage(BaseModel):
    items: list[Goal]
    next_cursor: str | None


class ProgressEntry(BaseModel):
    id: uuid.UUID
    goal_id: uuid.UUID
    status: GoalStatus
    previous_status: GoalStatus
    percent: int | None
    note: str | None
    author_id: uuid.UUID
    recorded_at: datetime


class ProgressPage(BaseModel):
    items: list[ProgressEntry]
    next_cursor: str | None


class GoalTemplateMilestone(BaseModel):
    title: str
    week: int


class GoalTemplate(BaseModel):
    key: str
    objective: ProgramObjective
    title: str
    measure: str
    guidance_kind: GuidanceKind
    weeks: int = Field(description="Target date, in weeks from the start")
    milestones: list[GoalTemplateMilestone]


class GoalTemplatePage(BaseModel):
    items: list[GoalTemplate]
    next_cursor: str | None


# --- action items --------------------------------------------------------------------------------


class ActionItemCreate(_Request):
    title: Annotated[str, Line(ACTION_TITLE)]
    owner_id: uuid.UUID | None = Field(default=None, description="One of the pair (default: you)")
    due_date: date | None = Field(default=None, description="Not in the past (in the owner's time zone)")


class ActionItemUpdate(_Request):
    title: Annotated[str, Line(ACTION_TITLE)] | None = None
    owner_id: uuid.UUID | None = None
    due_date: date | None = None
    done: bool | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        for name in ("title", "owner_id", "done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ActionItem(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    owner_id: uuid.UUID
    title: str
    due_date: date | None
    due_at: datetime | None = Field(description="The end of the due date in the owner's time zone")
    overdue: bool
    done: bool
    done_at: datetime | None
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int


class ActionItemPage(BaseModel):
    items: list[ActionItem]
    next_cursor: str | None


# --- sessions: agenda and notes ------------------------------------------------------------------


class AgendaItemCreate(_Request):
    """Free text, or an open goal or action item of the pair (optionally with a line of text)."""

    body: Annotated[str, Paragraphs(AGENDA_TEXT)] | None = None
    goal_id: uuid.UUID | None = None
    action_item_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_point(self) -> Self:
        if self.body is None and self.goal_id is None and self.action_item_id is None:
            raise ValueError("an agenda point needs text, a goal or an action item")
        if self.goal_id is not None and self.action_item_id is not None:
            raise ValueError("an agenda point refers to a goal or an action item, not both")
        return self


class AgendaItem(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    author_id: uuid.UUID
    body: str | None
    goal_id: uuid.UUID | None
    goal_title: str | None
    action_item_id: uuid.UUID | None
    action_item_title: str | None
    created_at: datetime


class AgendaPage(BaseModel):
    items: list[AgendaItem]
    next_cursor: str | None


class NotesUpdate(_Request):
    body: Annotated[str, Paragraphs(NOTES, min_length=0)]


class SharedNotes(BaseModel):
    session_id: uuid.UUID
    body: str
    updated_by: uuid.UUID | None
    updated_at: datetime | None
    version: int = Field(description='The ETag; "0" before anyone wrote')


class PrivateNote(BaseModel):
    session_id: uuid.UUID
    body: str
    updated_at: datetime | None
    version: int = Field(description='The ETag; "0" before you wrote')


class Session(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    status: str
    format: str
    starts_at: datetime
    ends_at: datetime


class SessionPage(BaseModel):
    items: list[Session]
    next_cursor: str | None


# --- messages ------------------------------------------------------------------------------------


class MessageCreate(_Request):
    body: Annotated[str, Paragraphs(MESSAGE)] = Field(
        description="Text; links stay text (nothing is rendered)"
    )


class MessageEdit(_Request):
    body: Annotated[str, Paragraphs(MESSAGE)]


class Message(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    number: int = Field(description="Its place in the conversation")
    sender_id: uuid.UUID
    recipient_id: uuid.UUID
    body: str | None = Field(description="null once deleted (a tombstone)")
    created_at: datetime
    edited: bool
    edited_at: datetime | None
    deleted: bool
    deleted_at: datetime | None
    version: int


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None


class ReadMarker(_Request):
    up_to: int = Field(ge=0, description="The number of the last message read")


class ReadState(BaseModel):
    match_id: uuid.UUID
    last_read_number: int
    unread: int
    messages: int


class ReportCreate(_Request):
    reason: ReportReason
    note: Annotated[str, Paragraphs(NOTE)] | None = None


class ReportResolution(_Request):
    resolution: Annotated[str, Paragraphs(NOTE)] | None = None


class Report(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    message_id: uuid.UUID
    message_number: int
    reporter_id: uuid.UUID
    reason: ReportReason
    note: str | None
    status: ReportStatus
    resolution: str | None
    resolved_by: uuid.UUID | None
    resolved_at: datetime | None
    created_at: datetime
    version: int


class ReportPage(BaseModel):
    items: list[Report]
    next_cursor: str | None


class ReportedMessage(BaseModel):
    """A report as the program's admins see it: the message as reported, and the messages around
    it as they are now (nothing else of the conversation)."""

    report: Report
    reported_body: str | None = Field(
        description="The message's text when reported (null once retention ran)"
    )
    context: list[Message]


# --- workspace, dashboard, export ----------------------------------------------------------------


class Member(BaseModel):
    person_id: uuid.UUID
    name: str | None
    time_zone: str | None
    active: bool | None


class Workspace(BaseModel):
    match_id: uuid.UUID
    program_id: uuid.UUID
    program_name: str | None
    objective: ProgramObjective | None
    status: str = Field(description="open, or closed (read-only)")
    closed_reason: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    mentor: Member
    mentee: Member
    agreement_status: str
    goals_total: int
    goals_open: int
    goals_done: int
    goals_done_on_time: int
    goals_at_risk: int
    goals_proposed: int
    goals_overdue: bool
    action_items_open: int
    action_items_overdue: bool
    unread_messages: int | None = Field(description="For a member: messages not read yet")


class WorkspacePage(BaseModel):
    items: list[Workspace]
    next_cursor: str | None


class DashboardAgreement(BaseModel):
    status: str
    version: int
    required_before_first_session: bool
    mentor_signed: bool
    mentee_signed: bool


class NextSession(BaseModel):
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    format: str
    agenda: list[AgendaItem]


class Dashboard(BaseModel):
    """A pair's plan in one request: the workspace, the agreement, open goals with their
    milestones, overdue action items and the next session's agenda."""

    workspace: Workspace
    agreement: DashboardAgreement
    open_goals: list[Goal]
    overdue_action_items: list[ActionItem]
    next_session: NextSession | None


class Export(BaseModel):
    """Everything the pair planned together, for the viewer (never anyone's private notes; the
    messages only for the pair themselves)."""

    exported_at: datetime
    workspace: Workspace
    agreement: Agreement
    goals: list[dict[str, Any]]
    action_items: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    messages: list[Message] | None


# --- admins: program views, notes and cases ------------------------------------------------------


class AttainmentBreakdown(BaseModel):
    key: str
    goals: int
    done: int
    done_on_time: int
    due: int
    attainment: float | None = Field(description="done by target date / due")


class GoalAttainment(BaseModel):
    program_id: uuid.UUID
    objective: ProgramObjective | None
    as_of: date
    pairs: int
    open_pairs: int
    pairs_with_goals: int
    goals: int
    by_status: dict[str, int]
    done_on_time: int
    done_late: int
    overdue: int = Field(description="Open goals past their target date")
    due: int = Field(description="Goals with a target date that passed, or done by it")
    attainment: float | None = Field(description="Share of due goals completed by their target date")
    milestones: int
    milestones_reached: int
    milestones_reached_on_time: int
    by_guidance_kind: list[AttainmentBreakdown]
    by_skill: list[AttainmentBreakdown]
    proposals_pending: int


class AtRiskGoal(BaseModel):
    goal_id: uuid.UUID
    match_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    title: str
    status: GoalStatus
    target_date: date | None
    overdue: bool
    guidance_kind: GuidanceKind


class AtRiskGoalPage(BaseModel):
    items: list[AtRiskGoal]
    next_cursor: str | None


class InterventionNoteCreate(_Request):
    body: Annotated[str, Paragraphs(NOTE * 2)]


class InterventionNote(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime


class InterventionNotePage(BaseModel):
    items: list[InterventionNote]
    next_cursor: str | None


class CaseAssignment(_Request):
    owner_id: uuid.UUID | None = Field(description="The admin working the case (null: nobody)")


class CaseActionCreate(_Request):
    kind: CaseActionKind
    note: Annotated[str, Paragraphs(NOTE)] | None = None

    @model_validator(mode="after")
    def _admin_kind(self) -> Self:
        if self.kind is CaseActionKind.HEALTH_RECOVERED:
            raise ValueError("health_recovered is noted by the service from feedback's events")
        return self


class CaseClosure(_Request):
    outcome: CaseOutcome
    note: Annotated[str, Paragraphs(NOTE)] | None = None


class CaseAction(BaseModel):
    id: uuid.UUID
    kind: CaseActionKind
    note: str | None
    author_id: uuid.UUID | None = Field(description="null: noted by the service")
    taken_at: datetime


class Case(BaseModel):
    id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    source: CaseSource
    episode_id: uuid.UUID | None
    health_score: float | None
    status: str
    owner_id: uuid.UUID | None
    outcome: CaseOutcome | None
    outcome_note: str | None
    opened_at: datetime
    closed_at: datetime | None
    actions: list[CaseAction]
    version: int


class CasePage(BaseModel):
    items: list[Case]
    next_cursor: str | None


# --- circles -------------------------------------------------------------------------------------


class CircleGoalCreate(_Request):
    """A shared goal of the circle (its facilitators set those) or a personal one of your own."""

    title: Title
    shared: bool = Field(default=False, description="A goal of the whole circle (facilitators only)")


class CircleGoalProgress(_Request):
    status: GoalStatus | None = None
    percent: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.percent is None:
            raise ValueError("give a status, a percent or both")
        return self


class CircleGoal(BaseModel):
    id: uuid.UUID
    circle_id: uuid.UUID
    owner_id: uuid.UUID | None = Field(description="The member whose goal it is; null: a shared goal")
    shared: bool
    title: str
    status: GoalStatus
    percent: int
    created_by: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime


class CircleGoalList(BaseModel):
    shared: list[CircleGoal] = Field(description="The circle's shared goals")
    personal: list[CircleGoal] = Field(
        description="Personal goals you may see: your own; facilitators see every member's"
    )


class CircleMessage(BaseModel):
    id: uuid.UUID
    circle_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    posted_at: datetime


class CircleMessagePage(BaseModel):
    items: list[CircleMessage]
    next_cursor: str | None = None
