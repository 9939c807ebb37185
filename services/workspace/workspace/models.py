"""Tables of the workspace service (schema `workspace`).

Read models built from other services' events (people, programs, matches, sessions), and what the
workspace owns: one summary row per pair (`workspaces`, kept in the transaction of every change it
counts, so dashboards and program reports read one row per pair), agreements and their signatures,
goals with their progress history, comments and milestones, action items, session agendas and
notes (shared, and private ones in a table of their own that nothing but their author's reads
touch), messages with read markers and reports, and the admins' intervention notes and at-risk cases.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts.workspace import CaseOutcome, CaseSource, GoalStatus, GuidanceKind
from shared.db import one_of, service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "workspace"
EMPTY_LIST = text("'[]'::jsonb")


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


class WorkspaceStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # read-only: the match ended or a member left; nothing is deleted


class ClosedReason(StrEnum):
    MATCH_ENDED = "match_ended"
    MEMBER_DEACTIVATED = "member_deactivated"


class AgreementStatus(StrEnum):
    NONE = "none"  # nobody edited or signed it yet: it reads as the program's template
    DRAFT = "draft"
    PARTIALLY_SIGNED = "partially_signed"
    SIGNED = "signed"  # both signed the current version


class Proposal(StrEnum):
    """Where a goal a mentor proposed stands (goals the mentee sets have none)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ReportReason(StrEnum):
    HARASSMENT = "harassment"
    INAPPROPRIATE = "inappropriate"
    SPAM = "spam"
    CONFIDENTIALITY = "confidentiality"
    OTHER = "other"


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseActionKind(StrEnum):
    CONTACTED_MENTOR = "contacted_mentor"
    CONTACTED_MENTEE = "contacted_mentee"
    THREE_WAY_CHECKIN = "three_way_checkin"
    GOALS_REVIEWED = "goals_reviewed"
    OTHER = "other"
    # Written by the service itself, from feedback's events.
    HEALTH_RECOVERED = "health_recovered"


# --- read models (from events) -----------------------------------------------------------------


class Person(Base):
    """From profiles' person events: a name for views, a time zone for dates, the skills goals may
    develop, and whether the person is still active (a leaver's workspaces close)."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    skills: Mapped[list[str]] = mapped_column(JSONB, server_default=EMPTY_LIST)
    learning_interests: Mapped[list[str]] = mapped_column(JSONB, server_default=EMPTY_LIST)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class Program(Base):
    """From profiles' program events: its objective picks the goal templates."""

    __tablename__ = "programs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class Match(Base):
    """From matching's accepted, activated and ended events."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_mentor_id", "mentor_id"),
        Index("ix_matches_mentee_id", "mentee_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class Session(Base):
    """From scheduling's session events: agendas and notes attach to real sessions."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_match_id_starts_at", "match_id", "starts_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


# --- what the workspace owns -------------------------------------------------------------------


class Workspace(Base):
    """A pair's workspace and its summary: opened when the match starts, closed (read-only) when
    it ends or a member leaves. The counters are recomputed in the transaction of every change
    they count; the message counters also serialize a conversation's writes (its row lock)."""

    __tablename__ = "workspaces"
    __table_args__ = (
        CheckConstraint(one_of("status", WorkspaceStatus), name="status_known"),
        CheckConstraint(one_of("agreement_status", AgreementStatus), name="agreement_status_known"),
        Index("ix_workspaces_program_id_match_id", "program_id", "match_id"),
        Index("ix_workspaces_organization_mentor_id", "organization", "mentor_id"),
        Index("ix_workspaces_organization_mentee_id", "organization", "mentee_id"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agreement_status: Mapped[str] = mapped_column(String(20), server_default=text("'none'"))
    agreement_signed_version: Mapped[int | None] = mapped_column(Integer)
    goals_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goals_open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goals_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goals_done_on_time: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goals_at_risk: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goals_proposed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The earliest target date of an open goal: past it, the pair has an overdue goal.
    next_goal_target: Mapped[date | None] = mapped_column(Date)
    # Milestones of the mentee's goals.
    milestones_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    milestones_reached: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    milestones_reached_on_time: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    action_items_open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_action_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The conversation: how many messages it ever had (their numbers) and how many changes (posts,
    # edits, deletes: the live stream's event ids).
    messages_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    message_changes: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProgramSettings(Base):
    """A program's workspace settings, when its admins changed the defaults (version 0)."""

    __tablename__ = "program_settings"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    agreement_template: Mapped[dict[str, str]] = mapped_column(JSONB)
    agreement_required: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrganizationSettings(Base):
    """An organization's workspace settings (message retention), when its admins set them."""

    __tablename__ = "organization_settings"
    __table_args__ = (CheckConstraint("message_retention_days BETWEEN 1 AND 3650", name="retention_range"),)

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    message_retention_days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Agreement(Base):
    """A pair's agreement once edited or signed (before that, it reads as the program's template).
    Each member's signature names the version signed; an edit raises the version, so signatures
    of an older one no longer count."""

    __tablename__ = "agreements"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sections: Mapped[dict[str, str]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mentor_signed_version: Mapped[int | None] = mapped_column(Integer)
    mentor_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mentee_signed_version: Mapped[int | None] = mapped_column(Integer)
    mentee_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AgreementSignature(Base):
    """Every signature ever given (who signed which version when): the agreement's history."""

    __tablename__ = "agreement_signatures"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Goal(Base):
    """A goal of the mentee's (SMART: what, measure, target date), or one the mentor proposed."""

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint(one_of("status", GoalStatus), name="status_known"),
        CheckConstraint(one_of("guidance_kind", GuidanceKind), name="guidance_kind_known"),
        CheckConstraint(f"proposal IS NULL OR {one_of('proposal', Proposal)}", name="proposal_known"),
        CheckConstraint("percent IS NULL OR percent BETWEEN 0 AND 100", name="percent_range"),
        Index("ix_goals_match_id_created_at_id", "match_id", "created_at", "id"),
        Index("ix_goals_program_id_status_target_date", "program_id", "status", "target_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[list[str]] = mapped_column(JSONB, server_default=EMPTY_LIST)
    guidance_kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(SmallInteger)
    # The mentee's own goal (set by them, or a proposal they accepted): only these count.
    adopted: Mapped[bool] = mapped_column(Boolean)
    proposal: Mapped[str | None] = mapped_column(String(20))
    proposed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    template: Mapped[str | None] = mapped_column(String(60))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Done by its target date where the mentee lives (None: not done, or no target date).
    completed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class GoalTally(Base):
    """How many of a program's goals are in each state, per target date: the goal-attainment report
    reads these rows instead of every goal. Each adopted goal counts once under skill '' (with its
    guidance kind) and once under each of its skills (guidance kind ''); every change of a goal
    moves its counts in the changing transaction.
    `outcome` tells done goals apart (on_time, late, undated; '' for goals not done);
    `target_date` 9999-12-31 stands for "no target date"."""

    __tablename__ = "goal_tallies"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)
    guidance_kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10), primary_key=True)
    target_date: Mapped[date] = mapped_column(Date, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    goals: Mapped[int] = mapped_column(Integer)


class GoalProgress(Base):
    """One recorded change of a goal's progress (append-only: history is never overwritten)."""

    __tablename__ = "goal_progress"
    __table_args__ = (
        CheckConstraint(one_of("status", GoalStatus), name="status_known"),
        Index("ix_goal_progress_goal_id_recorded_at_id", "goal_id", "recorded_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    goal_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("goals.id"))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    previous_status: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GoalComment(Base):
    __tablename__ = "goal_comments"
    __table_args__ = (Index("ix_goal_comments_goal_id_created_at_id", "goal_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    goal_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("goals.id"))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        Index("ix_milestones_goal_id_position", "goal_id", "position"),
        Index("ix_milestones_match_id", "match_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    goal_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("goals.id"))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reached_on_time: Mapped[bool | None] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class ActionItem(Base):
    """Something one of the pair does before a date; overdue once `due_at` (the end of the due
    date in the owner's time zone) passes undone."""

    __tablename__ = "action_items"
    __table_args__ = (
        Index("ix_action_items_match_id_created_at_id", "match_id", "created_at", "id"),
        Index("ix_action_items_match_id_due_at", "match_id", "due_at", postgresql_where=text("NOT done")),
        # What the overdue job looks through: undone items not announced yet.
        Index(
            "ix_action_items_due_at_unannounced",
            "due_at",
            postgresql_where=text("NOT done AND overdue_published_at IS NULL AND due_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[bool] = mapped_column(Boolean)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    overdue_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class ActionItemComment(Base):
    __tablename__ = "action_item_comments"
    __table_args__ = (
        Index("ix_action_item_comments_action_item_id_created_at_id", "action_item_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    action_item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("action_items.id"))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgendaItem(Base):
    """A point on a session's agenda: free text, or an open goal or action item of the pair."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("num_nonnulls(body, goal_id, action_item_id) >= 1", name="has_content"),
        CheckConstraint("num_nonnulls(goal_id, action_item_id) <= 1", name="one_reference"),
        Index("ix_agenda_items_session_id_created_at_id", "session_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str | None] = mapped_column(Text)
    goal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("goals.id"))
    action_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("action_items.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionNotes(Base):
    """The pair's shared notes of a session: one document, edited with If-Match."""

    __tablename__ = "session_notes"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class PrivateNote(Base):
    """One person's private notes of a session: read by its author alone, never by an aggregate,
    an event, an export or an admin's view (only queries.private_note reads this table)."""

    __tablename__ = "private_notes"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class Message(Base):
    """A message of a pair's conversation. `number` is its place in the conversation; `change_seq`
    the conversation's change it last was (posted, edited, deleted), the live stream's event id.
    A deleted message keeps its row as a tombstone without its text."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("match_id", "number", name="uq_messages_match_id_number"),
        UniqueConstraint("match_id", "change_seq", name="uq_messages_match_id_change_seq"),
        Index("ix_messages_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int] = mapped_column(Integer)
    change_seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class MessageRead(Base):
    """How far a member has read a conversation (a marker that only moves forward)."""

    __tablename__ = "message_reads"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    last_read_number: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageReport(Base):
    """A member reported a message to the program's admins: they see it (its text as reported)
    and a few messages around it, nothing else of the conversation."""

    __tablename__ = "message_reports"
    __table_args__ = (
        CheckConstraint(one_of("reason", ReportReason), name="reason_known"),
        CheckConstraint(one_of("status", ReportStatus), name="status_known"),
        UniqueConstraint("message_id", "reporter_id", name="uq_message_reports_message_id_reporter_id"),
        Index("ix_message_reports_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # No foreign key: retention may delete the message; the report (and its snapshot) remain
    # until retention clears the snapshot too.
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    message_number: Mapped[int] = mapped_column(Integer)
    message_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_body: Mapped[str | None] = mapped_column(Text)
    reporter_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class InterventionNote(Base):
    """An admin-only note on a match (facilitation): never shown to the pair."""

    __tablename__ = "intervention_notes"
    __table_args__ = (Index("ix_intervention_notes_match_id_created_at_id", "match_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Case(Base):
    """An at-risk case worked by admins to resolution: owner, actions taken, outcome."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(one_of("status", CaseStatus), name="status_known"),
        CheckConstraint(one_of("source", CaseSource), name="source_known"),
        CheckConstraint(f"outcome IS NULL OR {one_of('outcome', CaseOutcome)}", name="outcome_known"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        UniqueConstraint("episode_id", name="uq_cases_episode_id"),
        # At most one open case per match, whoever opens it and however events race.
        Index("uq_cases_open_match_id", "match_id", unique=True, postgresql_where=text("status = 'open'")),
        Index("ix_cases_organization_opened_at_id", "organization", "opened_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(20))
    episode_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Feedback's numbers at the crossing (no text: its reasons are feedback's to show).
    health_score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class CaseAction(Base):
    """Something done about a case (by an admin, or noted by the service from feedback's events)."""

    __tablename__ = "case_actions"
    __table_args__ = (
        CheckConstraint(one_of("kind", CaseActionKind), name="kind_known"),
        Index("ix_case_actions_case_id_taken_at_id", "case_id", "taken_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- circles: read model of matching's circles, their goals and their conversation ---------------


class Circle(Base):
    """From matching's circle events: a running circle, or one that ended (read-only then)."""

    __tablename__ = "circles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    topic: Mapped[str] = mapped_column(String(64))
    open: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class CircleMember(Base):
    __tablename__ = "circle_members"
    __table_args__ = (Index("ix_circle_members_person_id", "person_id"),)

    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("circles.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)


class CircleGoal(Base):
    """A circle's shared goal (no owner), or one member's personal goal within the circle."""

    __tablename__ = "circle_goals"
    __table_args__ = (
        CheckConstraint(one_of("status", GoalStatus), name="status_known"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        Index("ix_circle_goals_circle_id_created_at_id", "circle_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("circles.id"))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int] = mapped_column(SmallInteger)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CircleMessage(Base):
    """A message of a circle's conversation, read by its members (present and past) only."""

    __tablename__ = "circle_messages"
    __table_args__ = (Index("ix_circle_messages_circle_id_posted_at_id", "circle_id", "posted_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("circles.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)

# Core tables, for statements over columns rather than objects (upserts, reports).
PEOPLE = cast(Table, Person.__table__)
PROGRAMS = cast(Table, Program.__table__)
MATCHES = cast(Table, Match.__table__)
SESSIONS = cast(Table, Session.__table__)
WORKSPACES = cast(Table, Workspace.__table__)
GOALS = cast(Table, Goal.__table__)
GOAL_TALLIES = cast(Table, GoalTally.__table__)
MILESTONES = cast(Table, Milestone.__table__)
ACTION_ITEMS = cast(Table, ActionItem.__table__)
MESSAGES = cast(Table, Message.__table__)
CASES = cast(Table, Case.__table__)
MESSAGE_READS = cast(Table, MessageRead.__table__)
PROGRAM_SETTINGS = cast(Table, ProgramSettings.__table__)
ORGANIZATION_SETTINGS = cast(Table, OrganizationSettings.__table__)
AGREEMENT_SIGNATURES = cast(Table, AgreementSignature.__table__)
CIRCLES = cast(Table, Circle.__table__)
CIRCLE_MEMBERS = cast(Table, CircleMember.__table__)
