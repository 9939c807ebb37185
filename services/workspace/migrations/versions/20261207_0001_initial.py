"""Read models (people, programs, matches, sessions), the pairs' workspaces and their summaries,
program and organization settings, agreements and signatures, goals with progress history,
comments and milestones, action items and comments, agendas, shared and private notes, messages
with read markers and reports, intervention notes and at-risk cases; outbox, inbox, idempotency
keys and jobs.

Revision ID: 20261207_0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.messaging_tables import create_job_table, create_messaging_tables

revision: str = "20261207_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workspace"
EMPTY_LIST = sa.text("'[]'::jsonb")
TABLES = (
    "case_actions",
    "cases",
    "intervention_notes",
    "message_reports",
    "message_reads",
    "messages",
    "private_notes",
    "session_notes",
    "agenda_items",
    "action_item_comments",
    "action_items",
    "milestones",
    "goal_comments",
    "goal_progress",
    "goal_tallies",
    "goals",
    "agreement_signatures",
    "agreements",
    "organization_settings",
    "program_settings",
    "workspaces",
    "sessions",
    "matches",
    "programs",
    "people",
)


def upgrade() -> None:
    op.create_table(
        "action_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_action_items"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_action_items_due_at_unannounced",
        "action_items",
        ["due_at"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("NOT done AND overdue_published_at IS NULL AND due_at IS NOT NULL"),
    )
    op.create_index(
        "ix_action_items_match_id_created_at_id",
        "action_items",
        ["match_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_action_items_match_id_due_at",
        "action_items",
        ["match_id", "due_at"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("NOT done"),
    )
    op.create_table(
        "agreement_signatures",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "person_id", "version", name="pk_agreement_signatures"),
        schema=SCHEMA,
    )
    op.create_table(
        "agreements",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("sections", JSONB, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mentor_signed_version", sa.Integer(), nullable=True),
        sa.Column("mentor_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentee_signed_version", sa.Integer(), nullable=True),
        sa.Column("mentee_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("match_id", name="pk_agreements"),
        schema=SCHEMA,
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=True),
        sa.Column("health_score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="ck_cases_closed_has_outcome"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('recovered', 'goals_reset', 'rematched', 'ended', 'no_action_needed')",
            name="ck_cases_outcome_known",
        ),
        sa.CheckConstraint("source IN ('at_risk', 'admin')", name="ck_cases_source_known"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_cases_status_known"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("episode_id", name="uq_cases_episode_id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_cases_organization_opened_at_id",
        "cases",
        ["organization", "opened_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "uq_cases_open_match_id",
        "cases",
        ["match_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "goal_tallies",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("skill", sa.String(length=64), nullable=False),
        sa.Column("guidance_kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("goals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "program_id", "skill", "guidance_kind", "status", "outcome", "target_date", name="pk_goal_tallies"
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("skills", JSONB, server_default=EMPTY_LIST, nullable=False),
        sa.Column("guidance_kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("percent", sa.SmallInteger(), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=False),
        sa.Column("proposal", sa.String(length=20), nullable=True),
        sa.Column("proposed_by", sa.Uuid(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_on_time", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "guidance_kind IN ('technical', 'career', 'professional_development', 'ethics')",
            name="ck_goals_guidance_kind_known",
        ),
        sa.CheckConstraint(
            "proposal IS NULL OR proposal IN ('pending', 'accepted', 'declined')",
            name="ck_goals_proposal_known",
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'on_track', 'at_risk', 'done', 'dropped')",
            name="ck_goals_status_known",
        ),
        sa.CheckConstraint("percent IS NULL OR percent BETWEEN 0 AND 100", name="ck_goals_percent_range"),
        sa.PrimaryKeyConstraint("id", name="pk_goals"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_goals_match_id_created_at_id",
        "goals",
        ["match_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_goals_program_id_status_target_date",
        "goals",
        ["program_id", "status", "target_date"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "intervention_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intervention_notes"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_intervention_notes_match_id_created_at_id",
        "intervention_notes",
        ["match_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_matches"),
        schema=SCHEMA,
    )
    op.create_index("ix_matches_mentee_id", "matches", ["mentee_id"], unique=False, schema=SCHEMA)
    op.create_index("ix_matches_mentor_id", "matches", ["mentor_id"], unique=False, schema=SCHEMA)
    op.create_table(
        "message_reads",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("last_read_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "person_id", name="pk_message_reads"),
        schema=SCHEMA,
    )
    op.create_table(
        "message_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("message_number", sa.Integer(), nullable=False),
        sa.Column("message_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_body", sa.Text(), nullable=True),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('harassment', 'inappropriate', 'spam', 'confidentiality', 'other')",
            name="ck_message_reports_reason_known",
        ),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_message_reports_status_known"),
        sa.PrimaryKeyConstraint("id", name="pk_message_reports"),
        sa.UniqueConstraint("message_id", "reporter_id", name="uq_message_reports_message_id_reporter_id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_message_reports_organization_created_at_id",
        "message_reports",
        ["organization", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("match_id", "change_seq", name="uq_messages_match_id_change_seq"),
        sa.UniqueConstraint("match_id", "number", name="uq_messages_match_id_number"),
        schema=SCHEMA,
    )
    op.create_index("ix_messages_created_at", "messages", ["created_at"], unique=False, schema=SCHEMA)
    op.create_table(
        "organization_settings",
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("message_retention_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "message_retention_days BETWEEN 1 AND 3650", name="ck_organization_settings_retention_range"
        ),
        sa.PrimaryKeyConstraint("organization", name="pk_organization_settings"),
        schema=SCHEMA,
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("skills", JSONB, server_default=EMPTY_LIST, nullable=False),
        sa.Column("learning_interests", JSONB, server_default=EMPTY_LIST, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        schema=SCHEMA,
    )
    op.create_table(
        "private_notes",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "author_id", name="pk_private_notes"),
        schema=SCHEMA,
    )
    op.create_table(
        "program_settings",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("agreement_template", JSONB, nullable=False),
        sa.Column("agreement_required", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_id", name="pk_program_settings"),
        schema=SCHEMA,
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        schema=SCHEMA,
    )
    op.create_table(
        "session_notes",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_session_notes"),
        schema=SCHEMA,
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_sessions_match_id_starts_at", "sessions", ["match_id", "starts_at"], unique=False, schema=SCHEMA
    )
    op.create_table(
        "workspaces",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_reason", sa.String(length=40), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreement_status", sa.String(length=20), server_default=sa.text("'none'"), nullable=False),
        sa.Column("agreement_signed_version", sa.Integer(), nullable=True),
        sa.Column("goals_total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goals_open", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goals_done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goals_done_on_time", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goals_at_risk", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goals_proposed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_goal_target", sa.Date(), nullable=True),
        sa.Column("milestones_total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("milestones_reached", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("milestones_reached_on_time", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("action_items_open", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_action_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("message_changes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "agreement_status IN ('none', 'draft', 'partially_signed', 'signed')",
            name="ck_workspaces_agreement_status_known",
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_workspaces_status_known"),
        sa.PrimaryKeyConstraint("match_id", name="pk_workspaces"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_workspaces_organization_mentee_id",
        "workspaces",
        ["organization", "mentee_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_workspaces_organization_mentor_id",
        "workspaces",
        ["organization", "mentor_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_workspaces_program_id_match_id",
        "workspaces",
        ["program_id", "match_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "action_item_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("action_item_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_item_id"],
            ["workspace.action_items.id"],
            name="fk_action_item_comments_action_item_id_action_items",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_action_item_comments"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_action_item_comments_action_item_id_created_at_id",
        "action_item_comments",
        ["action_item_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("action_item_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "num_nonnulls(body, goal_id, action_item_id) >= 1", name="ck_agenda_items_has_content"
        ),
        sa.CheckConstraint(
            "num_nonnulls(goal_id, action_item_id) <= 1", name="ck_agenda_items_one_reference"
        ),
        sa.ForeignKeyConstraint(
            ["action_item_id"],
            ["workspace.action_items.id"],
            name="fk_agenda_items_action_item_id_action_items",
        ),
        sa.ForeignKeyConstraint(["goal_id"], ["workspace.goals.id"], name="fk_agenda_items_goal_id_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_items"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_agenda_items_session_id_created_at_id",
        "agenda_items",
        ["session_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "case_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('contacted_mentor', 'contacted_mentee', 'three_way_checkin', 'goals_reviewed', "
            "'other', 'health_recovered')",
            name="ck_case_actions_kind_known",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["workspace.cases.id"], name="fk_case_actions_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_case_actions"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_case_actions_case_id_taken_at_id",
        "case_actions",
        ["case_id", "taken_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "goal_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["workspace.goals.id"], name="fk_goal_comments_goal_id_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_goal_comments"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_goal_comments_goal_id_created_at_id",
        "goal_comments",
        ["goal_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "goal_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=False),
        sa.Column("percent", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_started', 'on_track', 'at_risk', 'done', 'dropped')",
            name="ck_goal_progress_status_known",
        ),
        sa.ForeignKeyConstraint(["goal_id"], ["workspace.goals.id"], name="fk_goal_progress_goal_id_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_goal_progress"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_goal_progress_goal_id_recorded_at_id",
        "goal_progress",
        ["goal_id", "recorded_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_on_time", sa.Boolean(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["workspace.goals.id"], name="fk_milestones_goal_id_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_milestones_goal_id_position", "milestones", ["goal_id", "position"], unique=False, schema=SCHEMA
    )
    op.create_index("ix_milestones_match_id", "milestones", ["match_id"], unique=False, schema=SCHEMA)

    create_messaging_tables(SCHEMA)
    create_job_table(SCHEMA)


def downgrade() -> None:
    for table in ("jobs", "idempotency_keys", "inbox", "outbox", *TABLES):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP FUNCTION IF EXISTS "{SCHEMA}".notify_outbox()')
