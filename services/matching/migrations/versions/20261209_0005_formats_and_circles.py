"""Mentoring formats: programs' format and settings in the read model, matches' format and the flash
session a match grew out of, and circles (rounds, circles, their facilitators and members).

Revision ID: 20261209_0005
Revises: 20261208_0004
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261209_0005"
down_revision: str | None = "20261208_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "matching"
ONE_TO_ONE = sa.text("'one_to_one'")


def upgrade() -> None:
    op.add_column(
        "programs",
        sa.Column("format", sa.String(20), nullable=False, server_default=ONE_TO_ONE),
        schema=SCHEMA,
    )
    op.add_column(
        "programs",
        sa.Column("format_settings", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema=SCHEMA,
    )
    op.add_column(
        "matches",
        sa.Column("format", sa.String(20), nullable=False, server_default=ONE_TO_ONE),
        schema=SCHEMA,
    )
    op.add_column("matches", sa.Column("flash_session_id", sa.Uuid, nullable=True), schema=SCHEMA)
    op.create_table(
        "circle_rounds",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("options", JSONB, nullable=False),
        sa.Column("stats", JSONB, nullable=False),
        sa.Column("unplaced", JSONB, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_rounds"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_rounds_program_id_created_at_id",
        "circle_rounds",
        ["program_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "circles",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("round_id", sa.Uuid, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("meeting_weekday", sa.Integer, nullable=True),
        sa.Column("meeting_start", sa.String(5), nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("end_reason", sa.String(30), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circles"),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'declined', 'ended')", name="ck_circles_status_known"
        ),
        sa.CheckConstraint("version >= 1", name="ck_circles_version_positive"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circles_organization_created_at_id",
        "circles",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_circles_program_id_status", "circles", ["program_id", "status"], schema=SCHEMA)
    op.create_index("ix_circles_round_id", "circles", ["round_id"], schema=SCHEMA)
    op.create_table(
        "circle_members",
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_reason", sa.String(30), nullable=True),
        sa.PrimaryKeyConstraint("circle_id", "person_id", name="pk_circle_members"),
        sa.CheckConstraint("role IN ('facilitator', 'member')", name="ck_circle_members_role_known"),
        sa.CheckConstraint("status IN ('active', 'left')", name="ck_circle_members_status_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_circle_members_live_member",
        "circle_members",
        ["program_id", "person_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND role = 'member'"),
        schema=SCHEMA,
    )
    op.create_index("ix_circle_members_person_id", "circle_members", ["person_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("circle_members", schema=SCHEMA)
    op.drop_table("circles", schema=SCHEMA)
    op.drop_table("circle_rounds", schema=SCHEMA)
    op.drop_column("matches", "flash_session_id", schema=SCHEMA)
    op.drop_column("matches", "format", schema=SCHEMA)
    op.drop_column("programs", "format_settings", schema=SCHEMA)
    op.drop_column("programs", "format", schema=SCHEMA)
