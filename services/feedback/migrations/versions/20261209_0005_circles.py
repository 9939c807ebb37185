"""Circles: read models of matching's circles and scheduling's circle sessions, and each member's
feedback on a circle session (numbers), with its private note in a table of its own.

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

SCHEMA = "feedback"


def upgrade() -> None:
    op.create_table(
        "circles",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circles"),
        schema=SCHEMA,
    )
    op.create_index("ix_circles_program_id_status", "circles", ["program_id", "status"], schema=SCHEMA)
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
        "circle_sessions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attendees", JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_sessions"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_sessions_circle_id_start", "circle_sessions", ["circle_id", "start"], schema=SCHEMA
    )
    op.create_table(
        "circle_feedback",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("circle_id", sa.Uuid, nullable=False),
        sa.Column("session_id", sa.Uuid, nullable=False),
        sa.Column("respondent_id", sa.Uuid, nullable=False),
        sa.Column("respondent_role", sa.String(20), nullable=False),
        sa.Column("rating", sa.SmallInteger, nullable=False),
        sa.Column("belonging", sa.SmallInteger, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_circle_feedback"),
        sa.UniqueConstraint(
            "session_id", "respondent_id", name="uq_circle_feedback_session_id_respondent_id"
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_circle_feedback_rating_range"),
        sa.CheckConstraint("belonging BETWEEN 1 AND 5", name="ck_circle_feedback_belonging_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_circle_feedback_circle_id_submitted_at",
        "circle_feedback",
        ["circle_id", "submitted_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "circle_feedback_notes",
        sa.Column("feedback_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("author_id", sa.Uuid, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("feedback_id", name="pk_circle_feedback_notes"),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            [f"{SCHEMA}.circle_feedback.id"],
            name="fk_circle_feedback_notes_feedback_id_circle_feedback",
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("circle_feedback_notes", "circle_feedback", "circle_sessions", "circle_members", "circles"):
        op.drop_table(table, schema=SCHEMA)
