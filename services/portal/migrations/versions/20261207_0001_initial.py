"""The portal's messaging tables (outbox, inbox, idempotency keys, jobs); it keeps no data of its own.

Revision ID: 20261207_0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from shared.messaging_tables import create_job_table, create_messaging_tables

revision: str = "20261207_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "portal"


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    create_job_table(SCHEMA)


def downgrade() -> None:
    for table in ("jobs", "idempotency_keys", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
