"""Provisioning: SCIM identities of people, and bulk import jobs.

Revision ID: 20261201_0002
Revises: 20261125_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261201_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
EMPTY_LIST = sa.text("'[]'::jsonb")


def upgrade() -> None:
    op.create_table(
        "scim_identities",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("user_name", sa.String(320), nullable=False),
        sa.Column("user_name_key", sa.String(320), nullable=False),
        sa.Column("attributes", JSONB, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_scim_identities"),
        sa.UniqueConstraint(
            "organization", "user_name_key", name="uq_scim_identities_organization_user_name_key"
        ),
        sa.ForeignKeyConstraint(
            ["organization", "person_id"],
            [f"{SCHEMA}.people.organization", f"{SCHEMA}.people.id"],
            name="fk_scim_identities_person",
        ),
        sa.CheckConstraint("revision >= 1", name="ck_scim_identities_revision_positive"),
        schema=SCHEMA,
    )

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_by_roles", JSONB, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("processed", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("errors", JSONB, nullable=False),
        sa.Column("ignored_columns", JSONB, nullable=False),
        sa.Column("rows", JSONB, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failure", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'succeeded', 'failed')", name="ck_import_jobs_status_known"
        ),
        sa.CheckConstraint("format IN ('csv', 'json')", name="ck_import_jobs_format_known"),
        sa.CheckConstraint(
            "processed BETWEEN 0 AND total"
            " AND created >= 0 AND updated >= 0 AND skipped >= 0 AND failed >= 0",
            name="ck_import_jobs_counters_in_range",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_import_jobs_organization_created_at_id",
        "import_jobs",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_import_jobs_unfinished",
        "import_jobs",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )


def downgrade() -> None:
    op.drop_table("import_jobs", schema=SCHEMA)
    op.drop_table("scim_identities", schema=SCHEMA)
