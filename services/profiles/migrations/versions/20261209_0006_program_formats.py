"""Mentoring formats: a program's format (one-to-one, circle, flash, peer, reverse) and its
settings; the `peer` enrollment role; and the programs some match or circle was made in (from
matching's events), whose format is fixed from then on.

Revision ID: 20261209_0006
Revises: 20261207_0005
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261209_0006"
down_revision: str | None = "20261207_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
FORMATS = "format IN ('one_to_one', 'circle', 'flash', 'peer', 'reverse')"


def upgrade() -> None:
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
    op.create_check_constraint("ck_programs_format_known", "programs", FORMATS, schema=SCHEMA)
    op.drop_constraint("ck_enrollments_role_known", "enrollments", type_="check", schema=SCHEMA)
    op.create_check_constraint(
        "ck_enrollments_role_known", "enrollments", "role IN ('mentor', 'mentee', 'peer')", schema=SCHEMA
    )
    op.create_table(
        "matched_programs",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("first_matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_id", name="pk_matched_programs"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("matched_programs", schema=SCHEMA)
    op.drop_constraint("ck_enrollments_role_known", "enrollments", type_="check", schema=SCHEMA)
    op.create_check_constraint(
        "ck_enrollments_role_known", "enrollments", "role IN ('mentor', 'mentee')", schema=SCHEMA
    )
    op.drop_constraint("ck_programs_format_known", "programs", type_="check", schema=SCHEMA)
    op.drop_column("programs", "format_settings", schema=SCHEMA)
    op.drop_column("programs", "format", schema=SCHEMA)
