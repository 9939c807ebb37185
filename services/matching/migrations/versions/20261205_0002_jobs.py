"""Durable jobs (shared.jobs): periodic work and retried tasks with leases and backoff.

Revision ID: 20261205_0002
Revises: 20261125_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

from shared.messaging_tables import create_job_table

revision: str = "20261205_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "matching"


def upgrade() -> None:
    create_job_table(SCHEMA)


def downgrade() -> None:
    op.drop_table("jobs", schema=SCHEMA)
