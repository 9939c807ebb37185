"""People, custom skills, programs, enrollments; outbox, inbox and idempotency keys.

Revision ID: 20261125_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.messaging_tables import create_messaging_tables

revision: str = "20261125_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
EMPTY_LIST = sa.text("'[]'::jsonb")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200)),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("department", sa.String(200)),
        sa.Column("manager_id", sa.Uuid),
        sa.Column("seniority", sa.String(20)),
        sa.Column("years_of_experience", sa.Integer),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("languages", JSONB, nullable=False),
        sa.Column("bio", sa.Text),
        sa.Column("skills", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("learning_interests", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("goals", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("guidance", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("specializations", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("learning_style", sa.String(30)),
        sa.Column("availability", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("availability_overrides", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("mentor_capacity", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("organization", "id", name="uq_people_organization_id"),
        sa.UniqueConstraint("organization", "email", name="uq_people_organization_email"),
        sa.UniqueConstraint("organization", "external_id", name="uq_people_organization_external_id"),
        sa.ForeignKeyConstraint(
            ["organization", "manager_id"],
            [f"{SCHEMA}.people.organization", f"{SCHEMA}.people.id"],
            name="fk_people_manager",
        ),
        sa.CheckConstraint("mentor_capacity BETWEEN 0 AND 20", name="ck_people_mentor_capacity_range"),
        sa.CheckConstraint(
            "years_of_experience BETWEEN 0 AND 60", name="ck_people_years_of_experience_range"
        ),
        sa.CheckConstraint("manager_id IS NULL OR manager_id <> id", name="ck_people_not_own_manager"),
        sa.CheckConstraint(
            "seniority IN ('intern', 'junior', 'mid', 'senior', 'staff', 'principal', 'director', "
            "'executive')",
            name="ck_people_seniority_known",
        ),
        sa.CheckConstraint(
            "jsonb_typeof(languages) = 'array' AND jsonb_array_length(languages) > 0",
            name="ck_people_languages_not_empty",
        ),
        sa.CheckConstraint("version >= 1", name="ck_people_version_positive"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_people_organization_created_at_id",
        "people",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_people_manager_id", "people", ["manager_id"], schema=SCHEMA)
    op.create_index(
        "ix_people_skills",
        "people",
        ["skills"],
        schema=SCHEMA,
        postgresql_using="gin",
        postgresql_ops={"skills": "jsonb_path_ops"},
    )

    op.create_table(
        "custom_skills",
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization", "slug", name="pk_custom_skills"),
        schema=SCHEMA,
    )

    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("objective", sa.String(30), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("cohort_start", sa.Date, nullable=False),
        sa.Column("cohort_end", sa.Date, nullable=False),
        sa.Column("matching_mode", sa.String(30), nullable=False),
        sa.Column("score_weights", JSONB, nullable=False),
        sa.Column("session_length_minutes", sa.Integer, nullable=False),
        sa.Column("session_cadence", sa.String(20), nullable=False),
        sa.Column("checkin_cadence_days", sa.Integer, nullable=False),
        sa.Column("exclude_same_department", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.String(20), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        sa.UniqueConstraint("organization", "id", name="uq_programs_organization_id"),
        sa.CheckConstraint("cohort_end > cohort_start", name="ck_programs_cohort_end_after_start"),
        sa.CheckConstraint(
            "session_length_minutes BETWEEN 15 AND 240", name="ck_programs_session_length_range"
        ),
        sa.CheckConstraint("checkin_cadence_days BETWEEN 1 AND 90", name="ck_programs_checkin_cadence_range"),
        sa.CheckConstraint(
            "objective IN ('onboarding', 'leadership', 'technical_skills', 'diversity_inclusion', "
            "'career_growth')",
            name="ck_programs_objective_known",
        ),
        sa.CheckConstraint(
            "matching_mode IN ('admin_approved', 'mentee_choice', 'automatic')",
            name="ck_programs_matching_mode_known",
        ),
        sa.CheckConstraint(
            "session_cadence IN ('weekly', 'biweekly', 'monthly')", name="ck_programs_cadence_known"
        ),
        sa.CheckConstraint("status IN ('draft', 'active', 'closed')", name="ck_programs_status_known"),
        sa.CheckConstraint("version >= 1", name="ck_programs_version_positive"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_programs_organization_created_at_id",
        "programs",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("goals", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("mentor_capacity", sa.Integer),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        sa.UniqueConstraint("program_id", "person_id", name="uq_enrollments_program_id_person_id"),
        sa.ForeignKeyConstraint(
            ["organization", "program_id"],
            [f"{SCHEMA}.programs.organization", f"{SCHEMA}.programs.id"],
            name="fk_enrollments_program",
        ),
        sa.ForeignKeyConstraint(
            ["organization", "person_id"],
            [f"{SCHEMA}.people.organization", f"{SCHEMA}.people.id"],
            name="fk_enrollments_person",
        ),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_enrollments_role_known"),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'withdrawn', 'completed')", name="ck_enrollments_status_known"
        ),
        sa.CheckConstraint(
            "mentor_capacity IS NULL OR (role = 'mentor' AND mentor_capacity BETWEEN 0 AND 20)",
            name="ck_enrollments_mentor_capacity_range",
        ),
        sa.CheckConstraint("version >= 1", name="ck_enrollments_version_positive"),
        schema=SCHEMA,
    )
    op.create_index("ix_enrollments_person_id", "enrollments", ["person_id"], schema=SCHEMA)
    op.create_index(
        "ix_enrollments_program_id_created_at_id",
        "enrollments",
        ["program_id", "created_at", "id"],
        schema=SCHEMA,
    )

    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    for table in (
        "enrollments",
        "programs",
        "custom_skills",
        "people",
        "idempotency_keys",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
