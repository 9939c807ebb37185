"""Read models (people, programs, mentorships), sessions with their participants' blocked time,
reminders, cadence proposals, calendar feeds, organization policies; outbox, inbox, idempotency keys.

Revision ID: 20261125_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, ExcludeConstraint

from shared.messaging_tables import create_messaging_tables

revision: str = "20261125_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "scheduling"
EMPTY_LIST = sa.text("'[]'::jsonb")


def upgrade() -> None:
    # GiST over (uuid, tstzrange) for the exclusion constraint needs btree_gist's uuid operator
    # class. It is a trusted extension: a database owner may create it without superuser rights.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "people",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("availability", JSONB, nullable=False),
        sa.Column("availability_overrides", JSONB, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        schema=SCHEMA,
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("session_length_minutes", sa.Integer, nullable=False),
        sa.Column("session_cadence", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        schema=SCHEMA,
    )
    op.create_table(
        "mentorships",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("mentor_id", sa.Uuid, nullable=False),
        sa.Column("mentee_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("end_reason", sa.String(40)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentorships"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_mentorships_status_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_mentorships_organization_started_at_id",
        "mentorships",
        ["organization", "started_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_mentorships_mentor_id", "mentorships", ["mentor_id"], schema=SCHEMA)
    op.create_index("ix_mentorships_mentee_id", "mentorships", ["mentee_id"], schema=SCHEMA)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("mentorship_id", sa.Uuid, nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("mentor_id", sa.Uuid, nullable=False),
        sa.Column("mentee_id", sa.Uuid, nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_url", sa.String(2000)),
        sa.Column("location", sa.String(500)),
        sa.Column("prompt", sa.Text),
        sa.Column("cancel_reason", sa.String(500)),
        sa.Column("no_show", JSONB, nullable=False, server_default=EMPTY_LIST),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.CheckConstraint("format IN ('video', 'in_person', 'async')", name="ck_sessions_format_known"),
        sa.CheckConstraint(
            "status IN ('scheduled', 'canceled', 'completed', 'no_show')", name="ck_sessions_status_known"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ck_sessions_ends_after_start"),
        sa.CheckConstraint(
            "format <> 'in_person' OR location IS NOT NULL", name="ck_sessions_in_person_has_location"
        ),
        sa.CheckConstraint("format <> 'async' OR prompt IS NOT NULL", name="ck_sessions_async_has_prompt"),
        sa.CheckConstraint("version >= 1 AND sequence >= 0", name="ck_sessions_versions_valid"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_sessions_mentorship_id_starts_at", "sessions", ["mentorship_id", "starts_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_sessions_organization_starts_at_id",
        "sessions",
        ["organization", "starts_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_sessions_mentor_id_starts_at", "sessions", ["mentor_id", "starts_at"], schema=SCHEMA)
    op.create_index("ix_sessions_mentee_id_starts_at", "sessions", ["mentee_id", "starts_at"], schema=SCHEMA)

    op.create_table(
        "session_participants",
        sa.Column("session_id", sa.Uuid, nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("blocked", TSTZRANGE, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "person_id", name="pk_session_participants"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            [f"{SCHEMA}.sessions.id"],
            name="fk_session_participants_session_id_sessions",
            ondelete="CASCADE",
        ),
        ExcludeConstraint(
            ("person_id", "="),
            ("blocked", "&&"),
            name="ex_session_participants_no_double_booking",
            using="gist",
            where=sa.text("status <> 'canceled'"),
        ),
        schema=SCHEMA,
    )

    op.create_table(
        "reminders",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("session_id", sa.Uuid, nullable=False),
        sa.Column("session_sequence", sa.Integer, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("recipient_id", sa.Uuid, nullable=False),
        sa.Column("minutes_before", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            [f"{SCHEMA}.sessions.id"],
            name="fk_reminders_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "session_id", "session_sequence", "recipient_id", "minutes_before", name="uq_reminders_once"
        ),
        sa.CheckConstraint("status IN ('pending', 'sent', 'skipped')", name="ck_reminders_status_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_reminders_pending_due_at",
        "reminders",
        ["due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "proposed_sessions",
        sa.Column("mentorship_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("after_session_id", sa.Uuid, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mentorship_id", name="pk_proposed_sessions"),
        schema=SCHEMA,
    )

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_calendar_feeds_organization_person_id",
        "calendar_feeds",
        ["organization", "person_id"],
        schema=SCHEMA,
    )

    op.create_table(
        "organization_policies",
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("meeting_url_template", sa.String(2000)),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("minimum_notice_minutes", sa.Integer, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.Column("slot_grid_minutes", sa.Integer, nullable=False),
        sa.Column("reminder_minutes_before", JSONB, nullable=False),
        sa.Column("cadence_grace_days", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization", name="pk_organization_policies"),
        sa.CheckConstraint("buffer_minutes BETWEEN 0 AND 240", name="ck_organization_policies_buffer_range"),
        sa.CheckConstraint(
            "minimum_notice_minutes BETWEEN 0 AND 43200", name="ck_organization_policies_notice_range"
        ),
        sa.CheckConstraint("horizon_days BETWEEN 1 AND 365", name="ck_organization_policies_horizon_range"),
        sa.CheckConstraint("slot_grid_minutes BETWEEN 5 AND 240", name="ck_organization_policies_grid_range"),
        sa.CheckConstraint(
            "cadence_grace_days BETWEEN 0 AND 60", name="ck_organization_policies_grace_range"
        ),
        schema=SCHEMA,
    )

    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    for table in (
        "organization_policies",
        "calendar_feeds",
        "proposed_sessions",
        "reminders",
        "session_participants",
        "sessions",
        "mentorships",
        "programs",
        "people",
        "idempotency_keys",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
    # btree_gist stays: other schemas of the database may use it.
