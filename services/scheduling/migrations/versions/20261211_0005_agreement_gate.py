"""Agreement before the first session: programs' agreement rules and the pairs' signed agreements,
read models of workspace's `program_settings.updated` and `agreement.signed`; and facilitated
check-ins: a pair's session with a program admin as a third participant (`facilitator_id`).

Revision ID: 20261211_0005
Revises: 20261209_0004
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_0005"
down_revision: str | None = "20261209_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "scheduling"


def upgrade() -> None:
    op.create_table(
        "agreement_rules",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_agreement_rules")),
        schema=SCHEMA,
    )
    op.create_table(
        "signed_agreements",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_signed_agreements")),
        schema=SCHEMA,
    )
    op.add_column("sessions", sa.Column("facilitator_id", sa.Uuid(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("sessions", "facilitator_id", schema=SCHEMA)
    op.drop_table("signed_agreements", schema=SCHEMA)
    op.drop_table("agreement_rules", schema=SCHEMA)
