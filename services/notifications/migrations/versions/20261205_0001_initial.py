"""Initial notifications schema: read models (people, programs, matches, open feedback requests),
organization settings, template overrides, preferences, notifications, deliveries and their log,
and the messaging tables (outbox, inbox, idempotency keys, jobs).

Revision ID: 20261205_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.messaging_tables import create_job_table, create_messaging_tables

revision: str = "20261205_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notifications"
TABLES = (
    "delivery_log",
    "deliveries",
    "notifications",
    "preferences",
    "template_overrides",
    "organization_settings",
    "feedback_requests",
    "goals",
    "matches",
    "programs",
    "people",
)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'queued', 'sending', 'sent', 'bounced', 'failed', 'unknown', "
            "'canceled', 'digested')",
            name=op.f("ck_deliveries_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_deliveries_key")),
        schema="notifications",
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["due_at"],
        unique=False,
        schema="notifications",
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_index(
        "ix_deliveries_held",
        "deliveries",
        ["person_id", "due_at"],
        unique=False,
        schema="notifications",
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_index(
        "ix_deliveries_organization_created_at",
        "deliveries",
        ["organization", "created_at", "id"],
        unique=False,
        schema="notifications",
    )
    op.create_index(
        "ix_deliveries_sending",
        "deliveries",
        ["lease_until"],
        unique=False,
        schema="notifications",
        postgresql_where=sa.text("status = 'sending'"),
    )
    op.create_table(
        "delivery_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_log")),
        schema="notifications",
    )
    op.create_index(
        "ix_delivery_log_delivery_id",
        "delivery_log",
        ["delivery_id", "id"],
        unique=False,
        schema="notifications",
    )
    op.create_table(
        "feedback_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("respondent_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("reminded", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_requests")),
        schema="notifications",
    )
    op.create_index(
        "ix_feedback_requests_due_at",
        "feedback_requests",
        ["due_at"],
        unique=False,
        schema="notifications",
        postgresql_where=sa.text("NOT answered AND NOT reminded"),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        schema="notifications",
    )
    op.create_index(
        "ix_goals_target_date",
        "goals",
        ["target_date"],
        unique=False,
        schema="notifications",
        postgresql_where=sa.text("status NOT IN ('done', 'dropped')"),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        schema="notifications",
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("context", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("in_inbox", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("person_id", "source_key", "kind", name="uq_notifications_person_id"),
        sa.UniqueConstraint("seq", name=op.f("uq_notifications_seq")),
        schema="notifications",
    )
    op.create_index(
        "ix_notifications_person_id_seq",
        "notifications",
        ["person_id", "seq"],
        unique=False,
        schema="notifications",
    )
    op.create_table(
        "organization_settings",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column(
            "admin_recipients",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("critical_when_muted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("slack_webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("slack_bot_token", sa.Text(), nullable=True),
        sa.Column("slack_channel", sa.String(length=100), nullable=True),
        sa.Column("teams_webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("organization", name=op.f("pk_organization_settings")),
        schema="notifications",
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        schema="notifications",
    )
    op.create_index(
        "ix_people_organization", "people", ["organization"], unique=False, schema="notifications"
    )
    op.create_table(
        "preferences",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column(
            "kinds",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("muted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_preferences")),
        schema="notifications",
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        schema="notifications",
    )
    op.create_table(
        "template_overrides",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("organization", "kind", "language", name="pk_template_overrides"),
        schema="notifications",
    )
    create_messaging_tables(SCHEMA)
    create_job_table(SCHEMA)


def downgrade() -> None:
    for table in ("jobs", "idempotency_keys", "inbox", "outbox", *TABLES):
        op.drop_table(table, schema=SCHEMA)
