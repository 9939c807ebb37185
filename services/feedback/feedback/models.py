"""Tables of the feedback service (schema `feedback`).

Read models built from other services' events (programs, people, enrollments, matches,
sessions), and the service's own data: per-program settings, feedback requests, submissions,
their free-text notes (a table of their own, which no aggregate ever reads), match health, risk
episodes and the weekly program rollup the analytics read; for outcomes (`feedback.outcomes`),
people's profile histories, goals and training assignments (from events) and the computed reports.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
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

from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "feedback"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


# --- read models (from events) -----------------------------------------------------------------


class Program(Base):
    """From profiles' program events."""

    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_organization", "organization"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    session_cadence: Mapped[str] = mapped_column(String(20))
    checkin_cadence_days: Mapped[int] = mapped_column(Integer)
    cohort_start: Mapped[date] = mapped_column(Date)
    cohort_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    # Picks the program's headline outcome measures (None for programs seen before it was kept).
    objective: Mapped[str | None] = mapped_column(String(40))


class Person(Base):
    """From profiles' person events: names for admin views, capacity for mentor load."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    mentor_capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class Enrollment(Base):
    """From profiles' enrollment events: who waits for a mentor, which mentors a program has."""

    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_program_id_role", "program_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    mentor_capacity: Mapped[int | None] = mapped_column(Integer)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the enrollment was withdrawn or completed (None while it is live).
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class Match(Base):
    """From matching's match events."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_program_id_status", "program_id", "status"),
        Index("ix_matches_organization_mentee_id", "organization", "mentee_id"),
        Index("ix_matches_organization_mentor_id", "organization", "mentor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    # When the pair started working together: the earliest accepted/active state seen, kept
    # whatever order the events arrive in.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)


class Session(Base):
    """From scheduling's session events."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_match_id_start", "match_id", "start"),
        # An organization's sessions per month (outcome reports).
        Index("ix_sessions_organization_start", "organization", "start"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


# --- the service's own data --------------------------------------------------------------------


class ProgramSettings(Base):
    """How a program collects feedback; a program without a row uses the service's defaults."""

    __tablename__ = "program_settings"
    __table_args__ = (
        CheckConstraint("feedback_due_hours BETWEEN 1 AND 720", name="due_hours_range"),
        CheckConstraint("at_risk_threshold BETWEEN 0 AND 100", name="threshold_range"),
        CheckConstraint("recovery_margin BETWEEN 0 AND 50", name="margin_range"),
    )

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    feedback_due_hours: Mapped[int] = mapped_column(Integer)
    at_risk_threshold: Mapped[float] = mapped_column(Float)
    recovery_margin: Mapped[float] = mapped_column(Float)
    checkin_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    closeout_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeedbackRequest(Base):
    __tablename__ = "feedback_requests"
    __table_args__ = (
        # One request per participant and occasion (a session id, `checkin:<n>`, `closeout`):
        # redelivered events and concurrent check-in scans open nothing twice.
        UniqueConstraint("match_id", "occasion", "respondent_id", name="uq_feedback_requests_occasion"),
        CheckConstraint("kind IN ('session', 'checkin', 'closeout')", name="kind_known"),
        CheckConstraint("status IN ('open', 'submitted', 'withdrawn')", name="status_known"),
        CheckConstraint("respondent_role IN ('mentor', 'mentee')", name="role_known"),
        Index("ix_feedback_requests_respondent", "organization", "respondent_id", "opened_at", "id"),
        Index("ix_feedback_requests_organization_opened_at_id", "organization", "opened_at", "id"),
        Index("ix_feedback_requests_match_id_due_at", "match_id", "due_at"),
        Index(
            "ix_feedback_requests_open_due",
            "program_id",
            "due_at",
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_feedback_requests_session_id", "session_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    occasion: Mapped[str] = mapped_column(String(60))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    respondent_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    respondent_role: Mapped[str] = mapped_column(String(10))
    # The questions as they were when the request opened: a later settings change does not
    # change a form someone is filling in.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class Submission(Base):
    """A participant's answers: numbers only. Free text lives in `feedback_notes`."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("mentor_rating BETWEEN 1 AND 5", name="mentor_rating_range"),
        CheckConstraint("goal_progress BETWEEN 1 AND 5", name="goal_progress_range"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),
        Index("ix_submissions_match_id_submitted_at", "match_id", "submitted_at"),
        Index("ix_submissions_program_id_submitted_at", "program_id", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback_requests.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    respondent_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    respondent_role: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    mentor_rating: Mapped[int | None] = mapped_column(SmallInteger)
    goal_progress: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    scores: Mapped[dict[str, int]] = mapped_column(JSONB)
    # Mean of the normalized numeric answers (0..1): what a check-in contributes to health.
    answer_score: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Note(Base):
    """A free-text answer. Private notes are readable by their author alone."""

    __tablename__ = "feedback_notes"
    __table_args__ = (Index("ix_feedback_notes_submission_id", "submission_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    question_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean)


class MatchHealth(Base):
    """The latest health of a match, each component with its score, weight and explanation."""

    __tablename__ = "match_health"
    __table_args__ = (
        Index("ix_match_health_at_risk", "program_id", "at_risk_since", postgresql_where=text("at_risk")),
        Index("ix_match_health_evaluated_at", "evaluated_at", postgresql_where=text("NOT final")),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    score: Mapped[float | None] = mapped_column(Float)
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    threshold: Mapped[float | None] = mapped_column(Float)
    at_risk: Mapped[bool] = mapped_column(Boolean)
    # Below the threshold since then, waiting for the dip to be confirmed (see `health.watch_step`).
    below_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    episode_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at_risk_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An ended match keeps its last health but is not evaluated again.
    final: Mapped[bool] = mapped_column(Boolean)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RiskEpisode(Base):
    """One crossing below the threshold, until recovery or the end of the match."""

    __tablename__ = "risk_episodes"
    __table_args__ = (
        Index("ix_risk_episodes_program_id_started_at", "program_id", "started_at"),
        Index("ix_risk_episodes_match_id", "match_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    start_score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_score: Mapped[float | None] = mapped_column(Float)
    ended_by: Mapped[str | None] = mapped_column(String(20))


class HealthSnapshot(Base):
    """The last health of a match in each week: the history behind the program's health chart."""

    __tablename__ = "health_snapshots"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    score: Mapped[float] = mapped_column(Float)


class ProgramWeek(Base):
    """Weekly sums of a program, kept current in the transaction of every change they count, so
    analytics read a few rows per week instead of aggregating every session and submission."""

    __tablename__ = "program_weeks"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    sessions_held: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sessions_no_show: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sessions_canceled: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    submissions: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    rating_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    rating_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    mentor_rating_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    mentor_rating_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    goal_progress_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    goal_progress_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    satisfaction_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    satisfaction_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    nps_promoters: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    nps_passives: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    nps_detractors: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    health_sum: Mapped[float] = mapped_column(Float, server_default=text("0"))
    health_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


# --- outcomes (feedback.outcomes): histories from events, and the precomputed reports -------------


class PersonVersion(Base):
    """Every version of a person's profile seen in profiles' person events, as far as outcomes go
    (department, seniority, title, time-zone region, skill levels, active): one row per version,
    written once, so replays and late events give the same history in any order."""

    __tablename__ = "person_versions"
    __table_args__ = (Index("ix_person_versions_organization", "organization"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean)
    department: Mapped[str | None] = mapped_column(String(200))
    seniority: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200))
    time_zone_region: Mapped[str | None] = mapped_column(String(40))
    skills: Mapped[dict[str, int]] = mapped_column(JSONB)
    # A skill listed in this version and the one before it has a higher level here: kept when
    # either arrives (whatever the order), so reports never compare skills row by row.
    skill_rose: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Goal(Base):
    """From workspace's goal events (never their text): what goal attainment counts, and what the
    goal-progress component of a match's health looks at."""

    __tablename__ = "goals"
    __table_args__ = (
        Index("ix_goals_organization", "organization"),
        Index("ix_goals_program_id", "program_id"),
        Index("ix_goals_match_id", "match_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    # The program's objective as the goal's events give it (null while the workspace knows none).
    objective: Mapped[str | None] = mapped_column(String(40))
    target_date: Mapped[date | None] = mapped_column(Date)
    completed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    percent: Mapped[int | None] = mapped_column(SmallInteger)
    milestones_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    milestones_reached: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class GoalMilestone(Base):
    """A milestone reached (workspace's `milestone.reached`), which moves its goal's progress before
    the goal's own next event says so."""

    __tablename__ = "goal_milestones"
    __table_args__ = (Index("ix_goal_milestones_goal_id", "goal_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    goal_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class TrainingAssignment(Base):
    """From training's assignment events: what training completion counts."""

    __tablename__ = "training_assignments"
    __table_args__ = (
        Index("ix_training_assignments_organization", "organization"),
        Index("ix_training_assignments_program_id", "program_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    # Past due and unfinished, as the newest event said (what `TrainingCount.overdue` counts).
    overdue: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class TrainingCount(Base):
    """A program's course assignments now, kept by the assignment events (each moves the counts
    from the state it replaces to its own): program analytics read one row, never the assignments.
    `assigned` counts those not closed (in progress or completed), `overdue` those in progress."""

    __tablename__ = "training_counts"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    assigned: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    completed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    overdue: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class OutcomeSettings(Base):
    """Which attributes an organization's group reports use, and their minimum group size."""

    __tablename__ = "outcome_settings"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    group_attributes: Mapped[list[str]] = mapped_column(JSONB)
    min_group_size: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutcomeReport(Base):
    """An organization's last computed outcome report: the dashboard as served, and what it was
    computed from (a fingerprint of the history, to skip recomputing what did not change)."""

    __tablename__ = "outcome_reports"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[date] = mapped_column(Date)
    seconds: Mapped[float] = mapped_column(Float)
    fingerprint: Mapped[str] = mapped_column(String(64))
    dashboard: Mapped[dict[str, Any]] = mapped_column(JSONB)


class OutcomeRow(Base):
    """One row of one table of an organization's outcome report (`outcomes.tables`)."""

    __tablename__ = "outcome_rows"
    __table_args__ = (Index("ix_outcome_rows_program_id", "program_id"),)

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    row: Mapped[dict[str, Any]] = mapped_column(JSONB)


class OutcomeSnapshot(Base):
    """A day's CSV of one table of the report, kept for BI tools to load on their schedule."""

    __tablename__ = "outcome_snapshots"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    snapshot_date: Mapped[date] = mapped_column(Date, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    csv: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- circles: read models (matching's circles, scheduling's circle sessions) and member feedback ---


class Circle(Base):
    """From matching's circle events (accepted and later: the circles that meet)."""

    __tablename__ = "circles"
    __table_args__ = (Index("ix_circles_program_id_status", "program_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    topic: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class CircleMember(Base):
    __tablename__ = "circle_members"
    __table_args__ = (Index("ix_circle_members_person_id", "person_id"),)

    circle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("circles.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)


class CircleSession(Base):
    """From scheduling's circle session events."""

    __tablename__ = "circle_sessions"
    __table_args__ = (Index("ix_circle_sessions_circle_id_start", "circle_id", "start"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who attends (person id -> role), those who left the circle left out.
    attendees: Mapped[dict[str, str]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class CircleFeedback(Base):
    """One member's feedback on one circle session: numbers only (the note is a table of its own)."""

    __tablename__ = "circle_feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "respondent_id", name="uq_circle_feedback_session_id_respondent_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("belonging BETWEEN 1 AND 5", name="belonging_range"),
        Index("ix_circle_feedback_circle_id_submitted_at", "circle_id", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    respondent_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    respondent_role: Mapped[str] = mapped_column(String(20))
    rating: Mapped[int] = mapped_column(SmallInteger)
    belonging: Mapped[int] = mapped_column(SmallInteger)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CircleFeedbackNote(Base):
    """A member's private note on a circle session: readable by its author alone, never aggregated."""

    __tablename__ = "circle_feedback_notes"

    feedback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("circle_feedback.id"), primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)


messaging = messaging_tables(Base.metadata)


def table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


PROGRAMS = table(Program)
PEOPLE = table(Person)
ENROLLMENTS = table(Enrollment)
MATCHES = table(Match)
SESSIONS = table(Session)
SETTINGS = table(ProgramSettings)
REQUESTS = table(FeedbackRequest)
SUBMISSIONS = table(Submission)
NOTES = table(Note)
HEALTH = table(MatchHealth)
EPISODES = table(RiskEpisode)
SNAPSHOTS = table(HealthSnapshot)
PROGRAM_WEEKS = table(ProgramWeek)
PERSON_VERSIONS = table(PersonVersion)
GOALS = table(Goal)
GOAL_MILESTONES = table(GoalMilestone)
TRAINING_ASSIGNMENTS = table(TrainingAssignment)
TRAINING_COUNTS = table(TrainingCount)
OUTCOME_SETTINGS = table(OutcomeSettings)
OUTCOME_REPORTS = table(OutcomeReport)
OUTCOME_ROWS = table(OutcomeRow)
OUTCOME_SNAPSHOTS = table(OutcomeSnapshot)
CIRCLES = table(Circle)
CIRCLE_MEMBERS = table(CircleMember)
CIRCLE_SESSIONS = table(CircleSession)
CIRCLE_FEEDBACK = table(CircleFeedback)
CIRCLE_FEEDBACK_NOTES = table(CircleFeedbackNote)
