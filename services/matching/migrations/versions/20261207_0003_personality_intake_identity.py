"""Read model of personality and working style, intake criteria and answers, and pseudonymous
self-identification groups; self-identified attributes in the audit configuration.

Revision ID: 20261207_0003
Revises: 20261205_0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261207_0003"
down_revision: str | None = "20261205_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "matching"
EMPTY_LIST = sa.text("'[]'::jsonb")
EMPTY_OBJECT = sa.text("'{}'::jsonb")


def upgrade() -> None:
    op.add_column(
        "programs",
        sa.Column("personality_fit", JSONB, nullable=False, server_default=EMPTY_OBJECT),
        schema=SCHEMA,
    )
    op.add_column(
        "programs",
        sa.Column("intake_criteria", JSONB, nullable=False, server_default=EMPTY_LIST),
        schema=SCHEMA,
    )
    op.add_column(
        "enrollments",
        sa.Column("matching_answers", JSONB, nullable=False, server_default=EMPTY_OBJECT),
        schema=SCHEMA,
    )
    op.add_column(
        "audit_configs",
        sa.Column("self_identified", JSONB, nullable=False, server_default=EMPTY_LIST),
        schema=SCHEMA,
    )
    op.create_table(
        "personality_profiles",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("traits", JSONB),
        sa.Column("working_style", JSONB),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_personality_profiles"),
        schema=SCHEMA,
    )
    op.create_table(
        "identity_groups",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fairness", JSONB, nullable=False),
        sa.Column("matching", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_identity_groups"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("identity_groups", schema=SCHEMA)
    op.drop_table("personality_profiles", schema=SCHEMA)
    op.drop_column("audit_configs", "self_identified", schema=SCHEMA)
    op.drop_column("enrollments", "matching_answers", schema=SCHEMA)
    op.drop_column("programs", "intake_criteria", schema=SCHEMA)
    op.drop_column("programs", "personality_fit", schema=SCHEMA)
