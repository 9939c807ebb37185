"""Attempts are logged before their request leaves: a state (sending, completed, interrupted) and
no latency until they complete.

Revision ID: 20261206_0003
Revises: 20261205_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_0003"
down_revision: str | None = "20261205_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "webhooks"


def upgrade() -> None:
    # Every attempt logged so far was logged once it had completed.
    op.add_column(
        "delivery_attempts",
        sa.Column("state", sa.String(12), nullable=False, server_default=sa.text("'completed'")),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        "ck_delivery_attempts_state_known",
        "delivery_attempts",
        "state IN ('sending', 'completed', 'interrupted')",
        schema=SCHEMA,
    )
    op.alter_column("delivery_attempts", "latency_ms", nullable=True, schema=SCHEMA)


def downgrade() -> None:
    op.execute(f'DELETE FROM "{SCHEMA}".delivery_attempts WHERE latency_ms IS NULL')
    op.alter_column("delivery_attempts", "latency_ms", nullable=False, schema=SCHEMA)
    op.drop_constraint("ck_delivery_attempts_state_known", "delivery_attempts", schema=SCHEMA)
    op.drop_column("delivery_attempts", "state", schema=SCHEMA)
