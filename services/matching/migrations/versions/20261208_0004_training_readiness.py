"""Read model of training: programs' readiness gates and course assignments' progress, so people
a gate holds back are left out of suggestions and rounds.

Revision ID: 20261208_0004
Revises: 20261207_0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_0004"
down_revision: str | None = "20261207_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "matching"


def upgrade() -> None:
    op.create_table(
        "readiness_gates",
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("mentors_must_complete", sa.Boolean, nullable=False),
        sa.Column("mentees_must_complete", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("program_id", name="pk_readiness_gates"),
        schema=SCHEMA,
    )
    op.create_table(
        "course_assignments",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("enrollment_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("modules_done", sa.Integer, nullable=False),
        sa.Column("modules_total", sa.Integer, nullable=False),
        sa.Column("required_for_matching", sa.Boolean, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_course_assignments"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_course_assignments_enrollment_id", "course_assignments", ["enrollment_id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("course_assignments", schema=SCHEMA)
    op.drop_table("readiness_gates", schema=SCHEMA)
