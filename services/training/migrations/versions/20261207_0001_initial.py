"""Initial training schema: read models (programs, people, enrollments), modules and their
versions, courses, readiness gates, assignments with progress counters, module progress,
knowledge-check attempts, reflections, and the messaging tables (outbox, inbox, idempotency keys,
jobs).

Revision ID: 20261207_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.messaging_tables import create_job_table, create_messaging_tables

revision: str = "20261207_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "training"
TABLES = (
    "reflections",
    "attempts",
    "module_progress",
    "assignments",
    "readiness_gates",
    "course_modules",
    "courses",
    "module_versions",
    "modules",
    "enrollments",
    "people",
    "programs",
)


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_days", sa.SmallInteger(), nullable=False),
        sa.Column("modules_total", sa.SmallInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name=op.f("ck_courses_role_known")),
        sa.CheckConstraint("due_days BETWEEN 1 AND 365", name=op.f("ck_courses_due_days_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("program_id", "role", name="uq_courses_program_id_role"),
        schema="training",
    )
    op.create_index(
        "ix_courses_organization_created_at_id",
        "courses",
        ["organization", "created_at", "id"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        schema="training",
    )
    op.create_index("ix_enrollments_person_id", "enrollments", ["person_id"], unique=False, schema="training")
    op.create_index(
        "ix_enrollments_program_id_role",
        "enrollments",
        ["program_id", "role"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "modules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("library_key", sa.String(length=80), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "published_version IS NULL OR published_version <= latest_version",
            name=op.f("ck_modules_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("organization", "library_key", name="uq_modules_library_key"),
        schema="training",
    )
    op.create_index(
        "ix_modules_organization_created_at_id",
        "modules",
        ["organization", "created_at", "id"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        schema="training",
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        schema="training",
    )
    op.create_index("ix_programs_organization", "programs", ["organization"], unique=False, schema="training")
    op.create_table(
        "readiness_gates",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("mentors_must_complete", sa.Boolean(), nullable=False),
        sa.Column("mentees_must_complete", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_readiness_gates")),
        schema="training",
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("modules_done", sa.SmallInteger(), nullable=False),
        sa.Column("modules_total", sa.SmallInteger(), nullable=False),
        sa.Column("module_done", sa.ARRAY(sa.Boolean()), nullable=False),
        sa.Column("module_scores", sa.ARRAY(sa.Float()), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=30), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('assigned', 'completed', 'closed')", name=op.f("ck_assignments_status_known")
        ),
        sa.CheckConstraint(
            "modules_done BETWEEN 0 AND modules_total", name=op.f("ck_assignments_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training.courses.id"], name=op.f("fk_assignments_course_id_courses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("enrollment_id", "course_id", name="uq_assignments_enrollment_id_course_id"),
        schema="training",
    )
    op.create_index(
        "ix_assignments_course_id_status",
        "assignments",
        ["course_id", "status"],
        unique=False,
        schema="training",
    )
    op.create_index(
        "ix_assignments_due",
        "assignments",
        ["due_at"],
        unique=False,
        schema="training",
        postgresql_where=sa.text("status = 'assigned' AND overdue_at IS NULL"),
    )
    op.create_index("ix_assignments_person_id", "assignments", ["person_id"], unique=False, schema="training")
    op.create_index(
        "ix_assignments_program_id_role_status_due_at",
        "assignments",
        ["program_id", "role", "status", "due_at"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_attempts_score_range")),
        sa.ForeignKeyConstraint(
            ["module_id"], ["training.modules.id"], name=op.f("fk_attempts_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
        schema="training",
    )
    op.create_index(
        "ix_attempts_person_id_module_id_submitted_at",
        "attempts",
        ["person_id", "module_id", "submitted_at"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "course_modules",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training.courses.id"], name=op.f("fk_course_modules_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["training.modules.id"], name=op.f("fk_course_modules_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("course_id", "position", name=op.f("pk_course_modules")),
        sa.UniqueConstraint("course_id", "module_id", name="uq_course_modules_course_id_module_id"),
        schema="training",
    )
    op.create_index(
        "ix_course_modules_module_id", "course_modules", ["module_id"], unique=False, schema="training"
    )
    op.create_table(
        "module_progress",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("passed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_version", sa.Integer(), nullable=True),
        sa.Column("reflected", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "best_score IS NULL OR best_score BETWEEN 0 AND 100", name=op.f("ck_module_progress_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["training.modules.id"], name=op.f("fk_module_progress_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("person_id", "module_id", name=op.f("pk_module_progress")),
        schema="training",
    )
    op.create_table(
        "module_versions",
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("estimated_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("links", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("videos", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reflection_prompt", sa.Text(), nullable=True),
        sa.Column("pass_mark", sa.SmallInteger(), nullable=True),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "audience IN ('mentor', 'mentee', 'both', 'admin')",
            name=op.f("ck_module_versions_audience_known"),
        ),
        sa.CheckConstraint(
            "estimated_minutes BETWEEN 1 AND 600", name=op.f("ck_module_versions_minutes_range")
        ),
        sa.CheckConstraint(
            "pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100",
            name=op.f("ck_module_versions_pass_mark_range"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["training.modules.id"], name=op.f("fk_module_versions_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("module_id", "number", name=op.f("pk_module_versions")),
        schema="training",
    )
    op.create_table(
        "reflections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["training.modules.id"], name=op.f("fk_reflections_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
        sa.UniqueConstraint("person_id", "module_id", name="uq_reflections_person_id_module_id"),
        schema="training",
    )
    op.create_index(
        "ix_reflections_person_id_updated_at_id",
        "reflections",
        ["person_id", "updated_at", "id"],
        unique=False,
        schema="training",
    )

    create_messaging_tables(SCHEMA)
    create_job_table(SCHEMA)


def downgrade() -> None:
    for name in ("jobs", "idempotency_keys", "inbox", "outbox", *TABLES):
        op.drop_table(name, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
