"""Tables of the profiles service (schema `profiles`): people, custom skills, programs, enrollments.

List-ish profile attributes (skills, availability, ...) are JSONB documents validated by the API
schemas before they are written; levels, capacities and ranges are also held by check constraints.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts.profiles import (
    EnrollmentRole,
    EnrollmentStatus,
    MatchingMode,
    ProgramObjective,
    ProgramStatus,
    Seniority,
    SessionCadence,
)
from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "profiles"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


_EMPTY_LIST = text("'[]'::jsonb")


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        # (organization, id) is what other rows reference, so a manager or an enrollment can only
        # ever point at a person of the same organization.
        UniqueConstraint("organization", "id", name="uq_people_organization_id"),
        UniqueConstraint("organization", "email", name="uq_people_organization_email"),
        UniqueConstraint("organization", "external_id", name="uq_people_organization_external_id"),
        ForeignKeyConstraint(
            ["organization", "manager_id"],
            ["people.organization", "people.id"],
            name="fk_people_manager",
        ),
        CheckConstraint("mentor_capacity BETWEEN 0 AND 20", name="mentor_capacity_range"),
        CheckConstraint("years_of_experience BETWEEN 0 AND 60", name="years_of_experience_range"),
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint(_in("seniority", Seniority), name="seniority_known"),
        CheckConstraint(
            "jsonb_typeof(languages) = 'array' AND jsonb_array_length(languages) > 0",
            name="languages_not_empty",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_people_organization_created_at_id", "organization", "created_at", "id"),
        Index("ix_people_manager_id", "manager_id"),
        Index(
            "ix_people_skills", "skills", postgresql_using="gin", postgresql_ops={"skills": "jsonb_path_ops"}
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    manager_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seniority: Mapped[str | None] = mapped_column(String(20))
    years_of_experience: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSONB)
    bio: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    learning_interests: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    goals: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    guidance: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    specializations: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    learning_style: Mapped[str | None] = mapped_column(String(30))
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    availability_overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    mentor_capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustomSkill(Base):
    """A skill an organization added to the default taxonomy."""

    __tablename__ = "custom_skills"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("organization", "id", name="uq_programs_organization_id"),
        CheckConstraint("cohort_end > cohort_start", name="cohort_end_after_start"),
        CheckConstraint("session_length_minutes BETWEEN 15 AND 240", name="session_length_range"),
        CheckConstraint("checkin_cadence_days BETWEEN 1 AND 90", name="checkin_cadence_range"),
        CheckConstraint(_in("objective", ProgramObjective), name="objective_known"),
        CheckConstraint(_in("matching_mode", MatchingMode), name="matching_mode_known"),
        CheckConstraint(_in("session_cadence", SessionCadence), name="cadence_known"),
        CheckConstraint(_in("status", ProgramStatus), name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_programs_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    cohort_start: Mapped[date] = mapped_column(Date)
    cohort_end: Mapped[date] = mapped_column(Date)
    matching_mode: Mapped[str] = mapped_column(String(30))
    score_weights: Mapped[dict[str, float]] = mapped_column(JSONB)
    session_length_minutes: Mapped[int] = mapped_column(Integer)
    session_cadence: Mapped[str] = mapped_column(String(20))
    checkin_cadence_days: Mapped[int] = mapped_column(Integer)
    exclude_same_department: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One role per person and program: mentor in one program, mentee in another is fine.
        UniqueConstraint("program_id", "person_id", name="uq_enrollments_program_id_person_id"),
        ForeignKeyConstraint(
            ["organization", "program_id"],
            ["programs.organization", "programs.id"],
            name="fk_enrollments_program",
        ),
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_enrollments_person",
        ),
        CheckConstraint(_in("role", EnrollmentRole), name="role_known"),
        CheckConstraint(_in("status", EnrollmentStatus), name="status_known"),
        CheckConstraint(
            "mentor_capacity IS NULL OR (role = 'mentor' AND mentor_capacity BETWEEN 0 AND 20)",
            name="mentor_capacity_range",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_enrollments_person_id", "person_id"),
        Index("ix_enrollments_program_id_created_at_id", "program_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    goals: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    status: Mapped[str] = mapped_column(String(20))
    mentor_capacity: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)
