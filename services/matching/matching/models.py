"""Tables of the matching service (schema `matching`).

- Read model, built only from profiles events (version-checked): people, programs, enrollments,
  skill labels, personality and working style, pseudonymous self-identification groups (keys only:
  matching never holds a self-identified value), and a per-organization revision that cached
  candidate pools are checked against.
- Read model built from training events (version-checked): programs' readiness gates and each
  course assignment's progress, which hold people back from matching (`readiness`).
- Matching's own state: mentor slots (capacity and slots held, the row that serializes accepts),
  matches, rounds and their draft proposals, exclusions, preferences, audit configuration.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "matching"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


_NOT_FINAL = "status IN ('proposed', 'requested', 'accepted', 'active')"
_LIVE = "status IN ('accepted', 'active')"
_OPEN = "status IN ('proposed', 'requested')"


# -- read model (profiles events) ---------------------------------------------------------------


class Person(Base):
    """A person as the last profiles event told; `profile` holds what scoring reads."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_organization", "organization"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    manager_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seniority: Mapped[str | None] = mapped_column(String(20))
    years_of_experience: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSONB)
    mentor_capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_organization", "organization"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    matching_mode: Mapped[str] = mapped_column(String(30))
    score_weights: Mapped[dict[str, float]] = mapped_column(JSONB)
    session_length_minutes: Mapped[int] = mapped_column(Integer)
    exclude_same_department: Mapped[bool] = mapped_column(Boolean)
    cohort_start: Mapped[date] = mapped_column(Date)
    cohort_end: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    personality_fit: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    intake_criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # The program's format and its settings (profiles' `FormatSettings`).
    format: Mapped[str] = mapped_column(String(20), server_default=text("'one_to_one'"))
    format_settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_program_id_role", "program_id", "role"),
        Index("ix_enrollments_person_id", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    goals: Mapped[list[str]] = mapped_column(JSONB)
    mentor_capacity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Answers to the program's intake criteria only (question id -> option ids).
    matching_answers: Mapped[dict[str, list[str]]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class SkillLabel(Base):
    """Labels of an organization's custom skills, for explanations."""

    __tablename__ = "skill_labels"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


class PersonalityProfile(Base):
    """A person's personality trait scores and working style (the result that counts), or none."""

    __tablename__ = "personality_profiles"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    traits: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    working_style: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdentityGroups(Base):
    """What a person's consents let matching use of their self-identification: per attribute, a
    pseudonymous group key (never the value), for fairness reports and for matching preferences.
    Revoked consent (or erasure) leaves the lists empty."""

    __tablename__ = "identity_groups"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    fairness: Mapped[dict[str, str]] = mapped_column(JSONB)  # attribute -> group key
    matching: Mapped[dict[str, str]] = mapped_column(JSONB)  # attribute -> group key
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReadModelRevision(Base):
    """Raised by every read-model change of an organization, so cached candidate pools know they are stale."""

    __tablename__ = "read_model_revisions"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


# -- read model (training events): who a program's readiness gates hold back ---------------------


class ReadinessGate(Base):
    """A program's readiness gates: its mentors, or mentees, must complete their course first."""

    __tablename__ = "readiness_gates"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    mentors_must_complete: Mapped[bool] = mapped_column(Boolean)
    mentees_must_complete: Mapped[bool] = mapped_column(Boolean)


class CourseAssignment(Base):
    """Where a person stands in the course of their enrollment (training's `AssignmentProgress`).

    Kept per assignment (its version is the assignment's); readiness per program, person and role
    is the assignment of their live enrollment, read with the enrollment (`candidates.held_back`).
    """

    __tablename__ = "course_assignments"
    __table_args__ = (Index("ix_course_assignments_enrollment_id", "enrollment_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    enrollment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    modules_done: Mapped[int] = mapped_column(Integer)
    modules_total: Mapped[int] = mapped_column(Integer)
    required_for_matching: Mapped[bool] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- matching's own state -----------------------------------------------------------------------


class MentorSlots(Base):
    """A mentor's capacity in a program and the slots accepted/active matches hold.

    Accepting takes a slot with one conditional UPDATE (`used < capacity`): PostgreSQL serializes
    concurrent accepts on this row, so capacity is never exceeded however many arrive at once.
    """

    __tablename__ = "mentor_slots"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    used: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (
        # A mentee has at most one accepted or active mentor per program.
        Index("uq_matches_live_mentee", "program_id", "mentee_id", unique=True, postgresql_where=text(_LIVE)),
        # And at most one match in progress with the same mentor.
        Index(
            "uq_matches_open_pair",
            "program_id",
            "mentee_id",
            "mentor_id",
            unique=True,
            postgresql_where=text(_NOT_FINAL),
        ),
        Index("ix_matches_organization_created_at_id", "organization", "created_at", "id"),
        Index("ix_matches_program_id_status", "program_id", "status"),
        Index("ix_matches_mentee_id", "mentee_id"),
        Index("ix_matches_mentor_id", "mentor_id"),
        Index("ix_matches_expires_at", "expires_at", postgresql_where=text(_OPEN)),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("mentee_id <> mentor_id", name="not_self"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    score_breakdown: Mapped[dict[str, float]] = mapped_column(JSONB)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    round_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    message: Mapped[str | None] = mapped_column(Text)
    mentee_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mentor_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(30))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Its program's format (peer: both teach; reverse: the mentor is the junior one).
    format: Mapped[str] = mapped_column(String(20), default="one_to_one", server_default=text("'one_to_one'"))
    # The flash session it grew out of (source `flash`).
    flash_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class RoundStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class Round(Base):
    """A program-wide assignment: a draft the admin reviews and edits, then publishes."""

    __tablename__ = "rounds"
    __table_args__ = (
        # One draft at a time per program: proposals of two drafts would compete for the same slots.
        Index(
            "uq_rounds_draft_program", "program_id", unique=True, postgresql_where=text("status = 'draft'")
        ),
        Index("ix_rounds_program_id_created_at_id", "program_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    options: Mapped[dict[str, Any]] = mapped_column(JSONB)
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoundProposal(Base):
    """One mentee of a round: the proposed mentor, or none (waitlisted)."""

    __tablename__ = "round_proposals"

    round_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    score_breakdown: Mapped[dict[str, float]] = mapped_column(JSONB)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    warnings: Mapped[list[str]] = mapped_column(JSONB)
    match_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Exclusion(Base):
    """A pair an admin excluded from a program's matching."""

    __tablename__ = "exclusions"
    __table_args__ = (
        UniqueConstraint("program_id", "mentee_id", "mentor_id", name="uq_exclusions_pair"),
        Index("ix_exclusions_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Preference(Base):
    """A mentee's stated preferences in a program: mentors preferred, and mentors to avoid."""

    __tablename__ = "preferences"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    preferred_mentor_ids: Mapped[list[str]] = mapped_column(JSONB)
    avoided_mentor_ids: Mapped[list[str]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditConfig(Base):
    """Which attributes an organization allows auditing on, and the minimum group size shown."""

    __tablename__ = "audit_configs"
    __table_args__ = (CheckConstraint("min_group_size BETWEEN 2 AND 1000", name="min_group_size_range"),)

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[list[str]] = mapped_column(JSONB)
    # Self-identified attributes (their slugs) audited by pseudonymous group, with consent only.
    self_identified: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    min_group_size: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MatchFeedback(Base):
    """A rating a participant gave (feedback events), kept with the match's score as it was.

    Pairs of (score breakdown, outcome) are what later work needs to calibrate program weights.
    """

    __tablename__ = "match_feedback"
    __table_args__ = (
        Index("ix_match_feedback_match_id", "match_id"),
        Index("ix_match_feedback_program_id_submitted_at", "program_id", "submitted_at"),
    )

    submission_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(20))
    respondent_role: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int | None] = mapped_column(Integer)
    mentor_rating: Mapped[int | None] = mapped_column(Integer)
    goal_progress: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    scores: Mapped[dict[str, int]] = mapped_column(JSONB)
    match_score: Mapped[float | None] = mapped_column(Float)
    score_breakdown: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CircleRound(Base):
    """A circle program's round: the circles it proposed and how well (solver, bound, gap, time)."""

    __tablename__ = "circle_rounds"
    __table_args__ = (Index("ix_circle_rounds_program_id_created_at_id", "program_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB)
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Mentees the round left without a place, and why (for the admin and the fairness audit).
    unplaced: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Circle(Base):
    """A group of mentees with their facilitators around a topic, meeting at a weekly time."""

    __tablename__ = "circles"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'accepted', 'declined', 'ended')", name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_circles_organization_created_at_id", "organization", "created_at", "id"),
        Index("ix_circles_program_id_status", "program_id", "status"),
        Index("ix_circles_round_id", "round_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    round_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    meeting_weekday: Mapped[int | None] = mapped_column(Integer)
    meeting_start: Mapped[str | None] = mapped_column(String(5))
    score: Mapped[float] = mapped_column(Float)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CircleMember(Base):
    """A facilitator or member of a circle; leaving ends this row only (the circle goes on)."""

    __tablename__ = "circle_members"
    __table_args__ = (
        CheckConstraint("role IN ('facilitator', 'member')", name="role_known"),
        CheckConstraint("status IN ('active', 'left')", name="status_known"),
        # A mentee is in at most one circle at a time per program (a proposed or running one).
        Index(
            "uq_circle_members_live_member",
            "program_id",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'active' AND role = 'member'"),
        ),
        Index("ix_circle_members_person_id", "person_id"),
    )

    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)  # facilitators first, then by fit
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    left_reason: Mapped[str | None] = mapped_column(String(30))


messaging = messaging_tables(Base.metadata)
