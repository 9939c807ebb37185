"""Tables of the feedback service (schema `feedback`).

Read models built from other services' events (programs, people, enrollments, matches,
sessions), and the service's own data: per-program settings, feedback requests, submissions,
their free-text notes (a table of their own, which no aggregate ever reads), match health, risk
episodes and the weekly program rollup the analytics read.
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
    __table_args__ = (Index("ix_sessions_match_id_start", "match_id", "start"),)

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
