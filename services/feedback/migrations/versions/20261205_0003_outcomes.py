"""Outcomes: programs' objective, an index of sessions per organization, people's profile
histories, goals and training assignments (read models from events), and the computed outcome
reports (dashboard, table rows, daily snapshots, per-organization group settings).

Revision ID: 20261205_0003
Revises: 20261205_0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261205_0003"
down_revision: str | None = "20261205_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "feedback"


def _json() -> postgresql.JSONB:
    return postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column("programs", sa.Column("objective", sa.String(length=40), nullable=True), schema=SCHEMA)
    op.create_index("ix_sessions_organization_start", "sessions", ["organization", "start"], schema=SCHEMA)
    op.create_table(
        "person_versions",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("seniority", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("time_zone_region", sa.String(length=40), nullable=True),
        sa.Column("skills", _json(), nullable=False),
        sa.Column("skill_rose", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "version", name=op.f("pk_person_versions")),
        schema=SCHEMA,
    )
    op.create_index("ix_person_versions_organization", "person_versions", ["organization"], schema=SCHEMA)
    op.create_table(
        "goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        schema=SCHEMA,
    )
    op.create_index("ix_goals_organization", "goals", ["organization"], schema=SCHEMA)
    op.create_table(
        "training_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_assignments")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_training_assignments_organization", "training_assignments", ["organization"], schema=SCHEMA
    )
    op.create_table(
        "outcome_settings",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("group_attributes", _json(), nullable=False),
        sa.Column("min_group_size", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization", name=op.f("pk_outcome_settings")),
        schema=SCHEMA,
    )
    op.create_table(
        "outcome_reports",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("dashboard", _json(), nullable=False),
        sa.PrimaryKeyConstraint("organization", name=op.f("pk_outcome_reports")),
        schema=SCHEMA,
    )
    op.create_table(
        "outcome_rows",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=True),
        sa.Column("row", _json(), nullable=False),
        sa.PrimaryKeyConstraint("organization", "table_name", "position", name=op.f("pk_outcome_rows")),
        schema=SCHEMA,
    )
    op.create_index("ix_outcome_rows_program_id", "outcome_rows", ["program_id"], schema=SCHEMA)
    op.create_table(
        "outcome_snapshots",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization", "snapshot_date", "table_name", name=op.f("pk_outcome_snapshots")
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for name in ("outcome_snapshots", "outcome_rows", "outcome_reports", "outcome_settings"):
        op.drop_table(name, schema=SCHEMA)
    op.drop_index("ix_training_assignments_organization", table_name="training_assignments", schema=SCHEMA)
    op.drop_table("training_assignments", schema=SCHEMA)
    op.drop_index("ix_goals_organization", table_name="goals", schema=SCHEMA)
    op.drop_table("goals", schema=SCHEMA)
    op.drop_index("ix_person_versions_organization", table_name="person_versions", schema=SCHEMA)
    op.drop_table("person_versions", schema=SCHEMA)
    op.drop_index("ix_sessions_organization_start", table_name="sessions", schema=SCHEMA)
    op.drop_column("programs", "objective", schema=SCHEMA)
