"""Mentoring formats: circle sessions for N people and flash sessions in mentors' office hours.

Read models gain programs' format and settings, people's skills, enrollments and accepted circles
with their members. `session_participants` no longer points at `sessions` only: a person's blocked
time may belong to a pair, a circle or a flash session (`kind`), all under the one exclusion
constraint, so nobody is double-booked whatever the kind of session.

Revision ID: 20261209_0004
Revises: 20261206_0003
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261209_0004"
down_revision: str | None = "20261206_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "scheduling"
EMPTY_LIST = sa.text("'[]'::jsonb")
STATUSES = "status IN ('scheduled', 'canceled', 'completed', 'no_show')"


def upgrade() -> None:
    op.add_column(
        "people", sa.Column("skills", JSONB, nullable=False, server_default=EMPTY_LIST), schema=SCHEMA
    )
    op.add_column(
        "programs",
        sa.Column("format", sa.String(20), nullable=False, server_default=sa.text("'one_to_one'")),
        schema=SCHEMA,
    )
    op.add_column(
        "programs",
        sa.Column("format_settings", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema=SCHEMA,
    )
    op.drop_constraint(
        "fk_session_participants_session_id_sessions",
        "session_participants",
        type_="foreignkey",
        schema=SCHEMA,
    )
    op.add_column(
        "session_participants",
        sa.Column("kind", sa.String(10), nullable=False, server_default=sa.text("'pair'")),
        schema=SCHEMA,
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_enrollments_program_id_person_id", "enrollments", ["program_id", "person_id"], schema=SCHEMA
    )
    op.create_table(
        "circles",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circles"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_circles_status_known"),
        schema=SCHEMA,
    )
    op.create_table(
        "circle_members",
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("circle_id", "person_id", name="pk_circle_members"),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            [f"{SCHEMA}.circles.id"],
            name="fk_circle_members_circle_id_circles",
            ondelete="CASCADE",
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_circle_members_person_id", "circle_members", ["person_id"], schema=SCHEMA)
    op.create_table(
        "circle_sessions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_url", sa.String(2000), nullable=True),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("participants", JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_sessions"),
        sa.CheckConstraint("format IN ('video', 'in_person')", name="ck_circle_sessions_format_known"),
        sa.CheckConstraint(STATUSES, name="ck_circle_sessions_status_known"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_circle_sessions_ends_after_start"),
        sa.CheckConstraint(
            "format <> 'in_person' OR location IS NOT NULL", name="ck_circle_sessions_in_person_has_location"
        ),
        sa.CheckConstraint("version >= 1 AND sequence >= 0", name="ck_circle_sessions_versions_valid"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_sessions_circle_id_starts_at", "circle_sessions", ["circle_id", "starts_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_circle_sessions_organization_starts_at_id",
        "circle_sessions",
        ["organization", "starts_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "office_hours",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("mentor_id", sa.Uuid, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=False),
        sa.Column("end_minute", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_office_hours"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_office_hours_weekday_range"),
        sa.CheckConstraint(
            "end_minute > start_minute AND start_minute >= 0 AND end_minute <= 1440",
            name="ck_office_hours_window",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_office_hours_program_id_mentor_id", "office_hours", ["program_id", "mentor_id"], schema=SCHEMA
    )
    op.create_table(
        "flash_sessions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("mentor_id", sa.Uuid, nullable=False),
        sa.Column("mentee_id", sa.Uuid, nullable=False),
        sa.Column("office_hours_id", sa.Uuid, nullable=False),
        sa.Column("skill", sa.String(64), nullable=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("meeting_url", sa.String(2000), nullable=True),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("follow_up_program_id", sa.Uuid, nullable=True),
        sa.Column("mentor_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentee_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flash_sessions"),
        sa.CheckConstraint(STATUSES, name="ck_flash_sessions_status_known"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_flash_sessions_ends_after_start"),
        sa.CheckConstraint("mentor_id <> mentee_id", name="ck_flash_sessions_not_self"),
        sa.CheckConstraint("version >= 1 AND sequence >= 0", name="ck_flash_sessions_versions_valid"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_flash_sessions_live_slot",
        "flash_sessions",
        ["mentor_id", "starts_at"],
        unique=True,
        postgresql_where=sa.text("status <> 'canceled'"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_flash_sessions_mentor_id_month", "flash_sessions", ["mentor_id", "month"], schema=SCHEMA
    )
    op.create_index(
        "ix_flash_sessions_mentee_id_starts_at", "flash_sessions", ["mentee_id", "starts_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_flash_sessions_organization_starts_at_id",
        "flash_sessions",
        ["organization", "starts_at", "id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "flash_sessions",
        "office_hours",
        "circle_sessions",
        "circle_members",
        "circles",
        "enrollments",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DELETE FROM {SCHEMA}.session_participants WHERE kind <> 'pair'")
    op.drop_column("session_participants", "kind", schema=SCHEMA)
    op.create_foreign_key(
        "fk_session_participants_session_id_sessions",
        "session_participants",
        "sessions",
        ["session_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
        ondelete="CASCADE",
    )
    op.drop_column("programs", "format_settings", schema=SCHEMA)
    op.drop_column("programs", "format", schema=SCHEMA)
    op.drop_column("people", "skills", schema=SCHEMA)
