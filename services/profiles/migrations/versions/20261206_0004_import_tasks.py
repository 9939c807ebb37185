"""Bulk imports run as tasks on the job runner: their own lease and attempt columns (and the index
the old import worker polled) go; unfinished imports get their task.

Revision ID: 20261206_0004
Revises: 20261205_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_0004"
down_revision: str | None = "20261205_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
# profiles.imports.job.IMPORT_PEOPLE (a revision keeps what it wrote, whatever the code says later).
TASK = "import-people"


def upgrade() -> None:
    # An import that was waiting or under way resumes from its counters as a task.
    op.execute(
        f"""
        INSERT INTO "{SCHEMA}".jobs (id, name, key, payload, state, due_at)
        SELECT gen_random_uuid(), '{TASK}', id::text, jsonb_build_object('import_id', id::text),
               'pending', now()
        FROM "{SCHEMA}".import_jobs
        WHERE status IN ('pending', 'running')
        ON CONFLICT ON CONSTRAINT uq_jobs_name_key DO NOTHING
        """
    )
    op.drop_index("ix_import_jobs_unfinished", table_name="import_jobs", schema=SCHEMA)
    op.drop_column("import_jobs", "lease_until", schema=SCHEMA)
    op.drop_column("import_jobs", "attempts", schema=SCHEMA)


def downgrade() -> None:
    op.add_column(
        "import_jobs",
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        schema=SCHEMA,
    )
    op.alter_column("import_jobs", "attempts", server_default=None, schema=SCHEMA)
    op.add_column("import_jobs", sa.Column("lease_until", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.create_index(
        "ix_import_jobs_unfinished",
        "import_jobs",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )
    # The old import worker finds unfinished imports by itself.
    op.execute(f"""DELETE FROM "{SCHEMA}".jobs WHERE name = '{TASK}'""")
