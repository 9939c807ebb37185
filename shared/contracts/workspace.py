"""Events the workspace service publishes (the pair's agreement, goals, milestones, action items,
messages and the admins' at-risk cases).

No event ever carries free text: goal and milestone titles, measures, progress notes, comments,
agreement sections, notes and messages stay in the workspace service. Events carry ids, statuses,
dates, numbers, skill slugs and the guidance kind, which is what feedback's goal-progress health
component, program analytics (goal attainment) and notifications need. Goal events carry the
goal's full state and its `version`, so a consumer builds a read model from them and drops stale ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.privacy import accountability_events
from shared.contracts.profiles import ProgramObjective
from shared.events import Event, EventType


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DONE = "done"
    DROPPED = "dropped"


class GuidanceKind(StrEnum):
    """What kind of guidance a goal is about."""

    TECHNICAL = "technical"
    CAREER = "career"
    PROFESSIONAL_DEVELOPMENT = "professional_development"
    ETHICS = "ethics"


class CaseSource(StrEnum):
    AT_RISK = "at_risk"  # opened by feedback's `match.at_risk`
    ADMIN = "admin"  # opened by an admin


class CaseOutcome(StrEnum):
    """How an at-risk case ended."""

    RECOVERED = "recovered"  # the pair is back on track
    GOALS_RESET = "goals_reset"  # the plan was renegotiated
    REMATCHED = "rematched"  # the mentee got another mentor
    ENDED = "ended"  # the mentorship ended
    NO_ACTION_NEEDED = "no_action_needed"  # a false alarm


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GoalState(_State):
    """A goal of a pair, without its text (title and measure stay in the workspace)."""

    id: uuid.UUID
    organization: str
    version: int
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentee_id: uuid.UUID = Field(description="The goal's owner")
    mentor_id: uuid.UUID
    objective: ProgramObjective | None = Field(
        default=None, description="The program's objective (null while the program is unknown)"
    )
    status: GoalStatus
    percent: int | None = Field(default=None, description="0-100, the last progress given")
    guidance_kind: GuidanceKind
    skills: list[str] = Field(default_factory=list, description="Skill slugs the goal develops")
    target_date: dt.date | None = None
    template: str | None = Field(default=None, description="The goal template it started from")
    milestones_total: int = 0
    milestones_reached: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None = None
    completed_on_time: bool | None = Field(
        default=None, description="Done on or before its target date (null: not done, or no target)"
    )


class MilestoneState(_State):
    id: uuid.UUID
    organization: str
    version: int
    goal_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentee_id: uuid.UUID
    due_date: dt.date | None = None
    reached_at: dt.datetime | None = None
    reached_on_time: bool | None = None


class GoalProposed(Event):
    """A mentor proposed a goal to the mentee (it becomes the mentee's goal when they accept it)."""

    event_type: ClassVar[EventType] = EventType("workspace", "goal", "proposed", 1)
    goal: GoalState
    proposed_by: uuid.UUID


class GoalCreated(Event):
    """A mentee set a goal (or accepted one their mentor proposed)."""

    event_type: ClassVar[EventType] = EventType("workspace", "goal", "created", 1)
    goal: GoalState


class GoalUpdated(Event):
    """A goal's target date, skills or guidance kind changed; `changed` names the fields that did."""

    event_type: ClassVar[EventType] = EventType("workspace", "goal", "updated", 1)
    goal: GoalState
    changed: list[str] = []


class GoalProgressed(Event):
    """A goal's progress was recorded (a new entry in its history): status and percent."""

    event_type: ClassVar[EventType] = EventType("workspace", "goal", "progressed", 1)
    goal: GoalState
    entry_id: uuid.UUID
    previous_status: GoalStatus
    progressed_by: uuid.UUID
    progressed_at: dt.datetime


class GoalCompleted(Event):
    """A goal was marked done; `goal.completed_on_time` says whether by its target date."""

    event_type: ClassVar[EventType] = EventType("workspace", "goal", "completed", 1)
    goal: GoalState


class MilestoneReached(Event):
    """A milestone of a goal was reached."""

    event_type: ClassVar[EventType] = EventType("workspace", "milestone", "reached", 1)
    milestone: MilestoneState


class ActionItemOverdue(Event):
    """An action item passed its due date undone (once per item and due date)."""

    event_type: ClassVar[EventType] = EventType("workspace", "action_item", "overdue", 1)
    action_item_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    owner_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    due_date: dt.date
    due_at: dt.datetime = Field(description="The end of the due date in the owner's time zone (UTC)")


class AgreementSigned(Event):
    """Both members of a pair signed the same version of their agreement (never its text)."""

    event_type: ClassVar[EventType] = EventType("workspace", "agreement", "signed", 1)
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    version: int = Field(description="The agreement version both signed")
    mentor_signed_at: dt.datetime
    mentee_signed_at: dt.datetime


class ProgramSettingsUpdated(Event):
    """A program's workspace settings changed (e.g. whether an agreement is required before the
    first session, which scheduling enforces)."""

    event_type: ClassVar[EventType] = EventType("workspace", "program_settings", "updated", 1)
    program_id: uuid.UUID
    version: int
    agreement_required_before_first_session: bool


class MessagePosted(Event):
    """A message was posted in a pair's conversation (ids only: never its text)."""

    event_type: ClassVar[EventType] = EventType("workspace", "message", "posted", 1)
    message_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    sender_id: uuid.UUID
    recipient_id: uuid.UUID


class MessageReported(Event):
    """A member reported a message to the program's admins (ids only)."""

    event_type: ClassVar[EventType] = EventType("workspace", "message", "reported", 1)
    report_id: uuid.UUID
    message_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID


class CaseOpened(Event):
    """An at-risk case was opened on a match (from feedback's early warning, or by an admin)."""

    event_type: ClassVar[EventType] = EventType("workspace", "case", "opened", 1)
    case_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    source: CaseSource
    episode_id: uuid.UUID | None = Field(default=None, description="Feedback's risk episode, if any")
    opened_at: dt.datetime


class CaseClosed(Event):
    """An at-risk case was resolved; `outcome` says how."""

    event_type: ClassVar[EventType] = EventType("workspace", "case", "closed", 1)
    case_id: uuid.UUID
    match_id: uuid.UUID
    program_id: uuid.UUID
    outcome: CaseOutcome
    actions_taken: int
    opened_at: dt.datetime
    closed_at: dt.datetime


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("workspace", __name__)


# -- circles: a circle's shared goals, each member's personal goals, and its conversation -----------


class CircleGoalState(_State):
    """A goal of a circle, without its text: shared by the circle (no owner) or one member's own."""

    id: uuid.UUID
    organization: str
    version: int
    circle_id: uuid.UUID
    program_id: uuid.UUID
    owner_id: uuid.UUID | None = Field(default=None, description="The member whose goal it is; null: shared")
    status: GoalStatus
    percent: int = Field(description="0-100, the last progress given")
    created_by: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


class CircleGoalCreated(Event):
    """A circle's facilitator set a shared goal, or a member a personal goal of their own."""

    event_type: ClassVar[EventType] = EventType("workspace", "circle_goal", "created", 1)
    goal: CircleGoalState


class CircleGoalProgressed(Event):
    """A circle goal's progress or status changed."""

    event_type: ClassVar[EventType] = EventType("workspace", "circle_goal", "progressed", 1)
    goal: CircleGoalState


class CircleMessagePosted(Event):
    """A message was posted in a circle's conversation (ids only: never its text)."""

    event_type: ClassVar[EventType] = EventType("workspace", "circle_message", "posted", 1)
    message_id: uuid.UUID
    circle_id: uuid.UUID
    author_id: uuid.UUID
    posted_at: dt.datetime
