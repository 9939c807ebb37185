"""Circles: the read model of matching's circles and their members, a circle's goals (shared, or
one member's own) and its conversation.

Revision ID: 20261209_0002
Revises: 20261207_0001
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_0002"
down_revision: str | None = "20261207_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workspace"


def upgrade() -> None:
    op.create_table(
        "circles",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circles"),
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
            ["circle_id"], [f"{SCHEMA}.circles.id"], name="fk_circle_members_circle_id_circles"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_circle_members_person_id", "circle_members", ["person_id"], schema=SCHEMA)
    op.create_table(
        "circle_goals",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("owner_id", sa.Uuid, nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("percent", sa.SmallInteger, nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_goals"),
        sa.ForeignKeyConstraint(
            ["circle_id"], [f"{SCHEMA}.circles.id"], name="fk_circle_goals_circle_id_circles"
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'on_track', 'at_risk', 'done', 'dropped')",
            name="ck_circle_goals_status_known",
        ),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="ck_circle_goals_percent_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_goals_circle_id_created_at_id",
        "circle_goals",
        ["circle_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "circle_messages",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("author_id", sa.Uuid, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_messages"),
        sa.ForeignKeyConstraint(
            ["circle_id"], [f"{SCHEMA}.circles.id"], name="fk_circle_messages_circle_id_circles"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_messages_circle_id_posted_at_id",
        "circle_messages",
        ["circle_id", "posted_at", "id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("circle_messages", "circle_goals", "circle_members", "circles"):
        op.drop_table(table, schema=SCHEMA)
