"""The privacy service: people (read model), policies, exports and their parts, erasures and
their confirmations, the organizations' audit trail (append-only), and the messaging tables.

Revision ID: 20261210_0001
Revises:
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.audit import audit_changes, stop_auditing
from shared.messaging_tables import (
    create_accountability_tables,
    create_job_table,
    create_messaging_tables,
    drop_accountability_tables,
)

revision: str = "20261210_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "privacy"
AUDITED = (
    ("policies", "privacy_policy", ("organization",)),
    ("exports", "export", ("id",)),
    ("erasures", "erasure", ("id",)),
)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True)),
        sa.Column("erased_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_people_organization_left", "people", ["organization", "deactivated_at"], schema=SCHEMA
    )
    op.create_table(
        "policies",
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("retention", postgresql.JSONB(), nullable=False),
        sa.Column("erase_after_days", sa.Integer()),
        sa.Column("integrations_may_export", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("integrations_may_erase", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "erase_after_days IS NULL OR erase_after_days BETWEEN 1 AND 3650", name="ck_policies_erase_after"
        ),
        sa.CheckConstraint("version >= 1", name="ck_policies_version_positive"),
        sa.PrimaryKeyConstraint("organization", name="pk_policies"),
        schema=SCHEMA,
    )
    op.create_table(
        "exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_by_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("size_bytes", sa.Integer()),
        sa.Column("archive", sa.LargeBinary()),
        sa.CheckConstraint(
            "status IN ('collecting', 'ready', 'expired', 'erased')", name="ck_exports_status_known"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exports"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_exports_organization_person",
        "exports",
        ["organization", "person_id", "requested_at"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_exports_collecting",
        "exports",
        ["last_requested_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'collecting'"),
    )
    op.create_table(
        "export_parts",
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("object_name", sa.String(300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("files", postgresql.JSONB(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("export_id", "service", name="pk_export_parts"),
        schema=SCHEMA,
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_by_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'completed', 'canceled')", name="ck_erasures_status_known"),
        sa.CheckConstraint("reason IN ('admin', 'policy')", name="ck_erasures_reason_known"),
        sa.PrimaryKeyConstraint("id", name="pk_erasures"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_erasures_person_open",
        "erasures",
        ["organization", "person_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status <> 'canceled'"),
    )
    op.create_index(
        "ix_erasures_pending",
        "erasures",
        ["last_requested_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "erasure_confirmations",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("erased", postgresql.JSONB(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("erasure_id", "service", name="pk_erasure_confirmations"),
        schema=SCHEMA,
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(20)),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("resource_type", sa.String(100), nullable=False),
        sa.Column("resource_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
        schema=SCHEMA,
    )
    op.create_index("ix_audit_entries_time", "audit_entries", ["organization", "at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_audit_entries_resource",
        "audit_entries",
        ["organization", "resource_type", "resource_id", "at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_audit_entries_actor", "audit_entries", ["organization", "actor_id", "at", "id"], schema=SCHEMA
    )
    # Append-only: no statement may change an entry (retention deletes whole entries).
    op.execute(
        f"""
        CREATE FUNCTION "{SCHEMA}".audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit trail is append-only: entries are never changed';
        END
        $$
        """
    )
    op.execute(
        f'CREATE TRIGGER append_only BEFORE UPDATE ON "{SCHEMA}".audit_entries '
        f'FOR EACH ROW EXECUTE FUNCTION "{SCHEMA}".audit_entries_append_only()'
    )
    create_messaging_tables(SCHEMA)
    create_job_table(SCHEMA)
    create_accountability_tables(SCHEMA)
    for table, resource, key in AUDITED:
        audit_changes(SCHEMA, table, resource=resource, key=key)


def downgrade() -> None:
    for table, _resource, _key in AUDITED:
        stop_auditing(SCHEMA, table)
    drop_accountability_tables(SCHEMA)
    for table in (
        "jobs",
        "idempotency_keys",
        "inbox",
        "outbox",
        "audit_entries",
        "erasure_confirmations",
        "erasures",
        "export_parts",
        "exports",
        "policies",
        "people",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".audit_entries_append_only()')
