"""Tables of the training service (schema `training`).

Read models built from profiles' events (programs, people, enrollments), and the service's own
data: modules and their versions, courses (an ordered list of modules per program and role),
readiness gates per program, assignments with their progress counters, each person's progress
per module, knowledge-check attempts and reflections (private text, in a table no aggregate and
no event ever reads).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
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

from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "training"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


# --- read models (from profiles' events) -------------------------------------------------------


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_organization", "organization"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class Person(Base):
    """Names for admins' overdue lists; `active` closes a deactivated person's assignments."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_program_id_role", "program_id", "role"),
        Index("ix_enrollments_person_id", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


# --- content -----------------------------------------------------------------------------------


class Module(Base):
    """A module: its versions live in `module_versions`; learners see the published one."""

    __tablename__ = "modules"
    __table_args__ = (
        # A starter-library module is loaded once per organization.
        UniqueConstraint("organization", "library_key", name="uq_modules_library_key"),
        CheckConstraint("published_version IS NULL OR published_version <= latest_version", name="versions"),
        Index("ix_modules_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    library_key: Mapped[str | None] = mapped_column(String(80))
    latest_version: Mapped[int] = mapped_column(Integer)
    published_version: Mapped[int | None] = mapped_column(Integer)
    # The ETag of the module as authors see it: +1 on every edit and publication.
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleVersion(Base):
    """One version of a module's content. A published version is never edited again."""

    __tablename__ = "module_versions"
    __table_args__ = (
        CheckConstraint("audience IN ('mentor', 'mentee', 'both', 'admin')", name="audience_known"),
        CheckConstraint("estimated_minutes BETWEEN 1 AND 600", name="minutes_range"),
        CheckConstraint("pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
    )

    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(10))
    estimated_minutes: Mapped[int] = mapped_column(SmallInteger)
    # Markdown as written; rendered (and sanitized) to HTML on request, never stored as HTML.
    body_markdown: Mapped[str] = mapped_column(Text)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    videos: Mapped[list[str]] = mapped_column(JSONB)
    reflection_prompt: Mapped[str | None] = mapped_column(Text)
    pass_mark: Mapped[int | None] = mapped_column(SmallInteger)
    # The knowledge check with its answer key (authors only; learners get it without).
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Course(Base):
    """The course of one program and role: an ordered list of modules, due some days after enrollment."""

    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("program_id", "role", name="uq_courses_program_id_role"),
        CheckConstraint("role IN ('mentor', 'mentee')", name="role_known"),
        CheckConstraint("due_days BETWEEN 1 AND 365", name="due_days_range"),
        Index("ix_courses_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    due_days: Mapped[int] = mapped_column(SmallInteger)
    modules_total: Mapped[int] = mapped_column(SmallInteger)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourseModule(Base):
    __tablename__ = "course_modules"
    __table_args__ = (
        UniqueConstraint("course_id", "module_id", name="uq_course_modules_course_id_module_id"),
        # Which courses a completed module counts for.
        Index("ix_course_modules_module_id", "module_id"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id"))


class ReadinessGate(Base):
    """A program's readiness gates; a program without a row gates nobody (version 0)."""

    __tablename__ = "readiness_gates"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    mentors_must_complete: Mapped[bool] = mapped_column(Boolean)
    mentees_must_complete: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- progress ----------------------------------------------------------------------------------


class Assignment(Base):
    """A person's course in one enrollment, with its progress counters (kept in the transaction of
    every completion, so progress pages and reports never count modules row by row)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "course_id", name="uq_assignments_enrollment_id_course_id"),
        CheckConstraint("status IN ('assigned', 'completed', 'closed')", name="status_known"),
        CheckConstraint("modules_done BETWEEN 0 AND modules_total", name="progress_range"),
        Index("ix_assignments_person_id", "person_id"),
        Index("ix_assignments_course_id_status", "course_id", "status"),
        # The program report: counts per role and status, overdue people by due time.
        Index("ix_assignments_program_id_role_status_due_at", "program_id", "role", "status", "due_at"),
        # The overdue job: unfinished assignments not yet reported overdue, by due time.
        Index(
            "ix_assignments_due",
            "due_at",
            postgresql_where=text("status = 'assigned' AND overdue_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    enrollment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    status: Mapped[str] = mapped_column(String(10))
    modules_done: Mapped[int] = mapped_column(SmallInteger)
    modules_total: Mapped[int] = mapped_column(SmallInteger)
    # Per module of the course, in course order: done, and the best knowledge-check score (None:
    # not attempted). Kept with the counters, so the program report reads one row per person.
    module_done: Mapped[list[bool]] = mapped_column(ARRAY(Boolean))
    module_scores: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_reason: Mapped[str | None] = mapped_column(String(30))
    # When the overdue job reported it (once per assignment).
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class ModuleProgress(Base):
    """One person's standing in one module, whatever course it counts for."""

    __tablename__ = "module_progress"
    __table_args__ = (
        CheckConstraint("best_score IS NULL OR best_score BETWEEN 0 AND 100", name="score_range"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer)
    best_score: Mapped[float | None] = mapped_column(Float)
    passed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_version: Mapped[int | None] = mapped_column(Integer)
    # Whether the person wrote a reflection (what admins may know: never its text).
    reflected: Mapped[bool] = mapped_column(Boolean)


class Attempt(Base):
    """A submitted knowledge check, graded against the version it was taken on."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        Index("ix_attempts_person_id_module_id_submitted_at", "person_id", "module_id", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id"))
    module_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reflection(Base):
    """A person's answer to a module's reflection prompt: readable by its author alone."""

    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("person_id", "module_id", name="uq_reflections_person_id_module_id"),
        Index("ix_reflections_person_id_updated_at_id", "person_id", "updated_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id"))
    module_version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)


def table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


PROGRAMS = table(Program)
PEOPLE = table(Person)
ENROLLMENTS = table(Enrollment)
MODULES = table(Module)
VERSIONS = table(ModuleVersion)
COURSES = table(Course)
COURSE_MODULES = table(CourseModule)
GATES = table(ReadinessGate)
ASSIGNMENTS = table(Assignment)
PROGRESS = table(ModuleProgress)
ATTEMPTS = table(Attempt)
REFLECTIONS = table(Reflection)
