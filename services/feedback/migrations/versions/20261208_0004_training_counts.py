"""Training completion in program analytics: each assignment's overdue flag, an index of the
assignments by program, and the per-program counts the assignment events keep.

Revision ID: 20261208_0004
Revises: 20261205_0003
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_0004"
down_revision: str | None = "20261205_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "feedback"


def upgrade() -> None:
    op.add_column(
        "training_assignments",
        sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_training_assignments_program_id", "training_assignments", ["program_id"], schema=SCHEMA
    )
    op.create_table(
        "training_counts",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("completed", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("overdue", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_training_counts")),
        schema=SCHEMA,
    )
    # Assignments already held count from here on as if their events had just arrived.
    op.execute(
        """
        INSERT INTO feedback.training_counts (program_id, organization, assigned, completed, overdue)
        SELECT program_id, min(organization),
               count(*) FILTER (WHERE status <> 'closed'),
               count(*) FILTER (WHERE status = 'completed'),
               0
        FROM feedback.training_assignments
        GROUP BY program_id
        """
    )


def downgrade() -> None:
    op.drop_table("training_counts", schema=SCHEMA)
    op.drop_index("ix_training_assignments_program_id", table_name="training_assignments", schema=SCHEMA)
    op.drop_column("training_assignments", "overdue", schema=SCHEMA)
