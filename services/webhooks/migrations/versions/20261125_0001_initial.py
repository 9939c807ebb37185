"""Endpoints, received events, deliveries and attempts; outbox, inbox and idempotency keys.

Revision ID: 20261125_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.messaging_tables import create_messaging_tables

revision: str = "20261125_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "webhooks"
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("event_types", JSONB, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(20)),
        sa.Column("disabled_at", TIMESTAMP),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_expires_at", TIMESTAMP),
        sa.Column("last_success_at", TIMESTAMP),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_endpoints"),
        sa.CheckConstraint(
            "disabled_reason IN ('gone', 'failing', 'admin')", name="ck_endpoints_disabled_reason_known"
        ),
        sa.CheckConstraint("version >= 1", name="ck_endpoints_version_positive"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_endpoints_organization_created_at_id",
        "endpoints",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("time", TIMESTAMP, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        schema=SCHEMA,
    )
    op.create_index("ix_events_organization_time", "events", ["organization", "time"], schema=SCHEMA)
    op.create_index("ix_events_received_at", "events", ["received_at"], schema=SCHEMA)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("endpoint_id", sa.Uuid, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", TIMESTAMP),
        sa.Column("claim_token", sa.Uuid),
        sa.Column("last_attempt_at", TIMESTAMP),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("last_latency_ms", sa.Float),
        sa.Column("last_response", sa.Text),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("completed_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            [f"{SCHEMA}.endpoints.id"],
            name="fk_deliveries_endpoint_id_endpoints",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], [f"{SCHEMA}.events.id"], name="fk_deliveries_event_id_events", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="ck_deliveries_status_known"),
        sa.CheckConstraint("trigger IN ('event', 'resend', 'replay')", name="ck_deliveries_trigger_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["endpoint_id", "next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_endpoint_id_created_at_id",
        "deliveries",
        ["endpoint_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_deliveries_event_id", "deliveries", ["event_id"], schema=SCHEMA)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("delivery_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("response", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            [f"{SCHEMA}.deliveries.id"],
            name="fk_delivery_attempts_delivery_id_deliveries",
            ondelete="CASCADE",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_delivery_attempts_delivery_id_number",
        "delivery_attempts",
        ["delivery_id", "number"],
        schema=SCHEMA,
    )

    # Wakes the dispatcher as soon as deliveries commit (the first attempt is immediate).
    op.execute(
        f"""
        CREATE FUNCTION "{SCHEMA}".notify_deliveries() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{SCHEMA}_deliveries', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER deliveries_notify AFTER INSERT ON "{SCHEMA}".deliveries
        FOR EACH STATEMENT EXECUTE FUNCTION "{SCHEMA}".notify_deliveries()
        """
    )

    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP TRIGGER IF EXISTS deliveries_notify ON "{SCHEMA}".deliveries')
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_deliveries()')
    tables = ("delivery_attempts", "deliveries", "events", "endpoints", "outbox", "inbox", "idempotency_keys")
    for table in tables:
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
