"""Goal progress in relationship health and goal attainment in program analytics: the goal read
model keeps the objective, target date, on-time completion, progress and milestone counts its
events carry, indexed by program and by match; milestones reached are kept by id.

Revision ID: 20261211_0006
Revises: 20261209_0005
Create Date: 2026-12-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_0006"
down_revision: str | None = "20261209_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "feedback"


def upgrade() -> None:
    op.add_column("goals", sa.Column("objective", sa.String(length=40), nullable=True), schema=SCHEMA)
    op.add_column("goals", sa.Column("target_date", sa.Date(), nullable=True), schema=SCHEMA)
    op.add_column("goals", sa.Column("completed_on_time", sa.Boolean(), nullable=True), schema=SCHEMA)
    op.add_column("goals", sa.Column("percent", sa.SmallInteger(), nullable=True), schema=SCHEMA)
    for name in ("milestones_total", "milestones_reached"):
        op.add_column(
            "goals",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
            schema=SCHEMA,
        )
    op.create_index("ix_goals_program_id", "goals", ["program_id"], schema=SCHEMA)
    op.create_index("ix_goals_match_id", "goals", ["match_id"], schema=SCHEMA)
    op.create_table(
        "goal_milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_milestones")),
        schema=SCHEMA,
    )
    op.create_index("ix_goal_milestones_goal_id", "goal_milestones", ["goal_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("goal_milestones", schema=SCHEMA)
    op.drop_index("ix_goals_match_id", table_name="goals", schema=SCHEMA)
    op.drop_index("ix_goals_program_id", table_name="goals", schema=SCHEMA)
    for name in ("milestones_reached", "milestones_total", "percent", "completed_on_time", "target_date"):
        op.drop_column("goals", name, schema=SCHEMA)
    op.drop_column("goals", "objective", schema=SCHEMA)
