"""Initial feedback schema: read models (programs, people, enrollments, matches, sessions),
settings, requests, submissions, notes, match health, risk episodes, weekly rollups, and the
messaging tables (outbox, inbox, idempotency keys).

Revision ID: 20261125_0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.messaging_tables import create_messaging_tables

revision: str = "20261125_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mentor_capacity", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        schema="feedback",
    )
    op.create_index(
        "ix_enrollments_program_id_role",
        "enrollments",
        ["program_id", "role"],
        unique=False,
        schema="feedback",
    )
    op.create_table(
        "feedback_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("occasion", sa.String(length=60), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("respondent_id", sa.Uuid(), nullable=False),
        sa.Column("respondent_role", sa.String(length=10), nullable=False),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('session', 'checkin', 'closeout')", name=op.f("ck_feedback_requests_kind_known")
        ),
        sa.CheckConstraint(
            "respondent_role IN ('mentor', 'mentee')", name=op.f("ck_feedback_requests_role_known")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'submitted', 'withdrawn')", name=op.f("ck_feedback_requests_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_requests")),
        sa.UniqueConstraint("match_id", "occasion", "respondent_id", name="uq_feedback_requests_occasion"),
        schema="feedback",
    )
    op.create_index(
        "ix_feedback_requests_match_id_due_at",
        "feedback_requests",
        ["match_id", "due_at"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_feedback_requests_open_due",
        "feedback_requests",
        ["program_id", "due_at"],
        unique=False,
        schema="feedback",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_feedback_requests_organization_opened_at_id",
        "feedback_requests",
        ["organization", "opened_at", "id"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_feedback_requests_respondent",
        "feedback_requests",
        ["organization", "respondent_id", "opened_at", "id"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_feedback_requests_session_id",
        "feedback_requests",
        ["session_id"],
        unique=False,
        schema="feedback",
    )
    op.create_table(
        "health_snapshots",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "week_start", name=op.f("pk_health_snapshots")),
        schema="feedback",
    )
    op.create_table(
        "match_health",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("below_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("episode_id", sa.Uuid(), nullable=True),
        sa.Column("at_risk_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_match_health")),
        schema="feedback",
    )
    op.create_index(
        "ix_match_health_at_risk",
        "match_health",
        ["program_id", "at_risk_since"],
        unique=False,
        schema="feedback",
        postgresql_where=sa.text("at_risk"),
    )
    op.create_index(
        "ix_match_health_evaluated_at",
        "match_health",
        ["evaluated_at"],
        unique=False,
        schema="feedback",
        postgresql_where=sa.text("NOT final"),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        schema="feedback",
    )
    op.create_index(
        "ix_matches_organization_mentee_id",
        "matches",
        ["organization", "mentee_id"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_matches_organization_mentor_id",
        "matches",
        ["organization", "mentor_id"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_matches_program_id_status", "matches", ["program_id", "status"], unique=False, schema="feedback"
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mentor_capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        schema="feedback",
    )
    op.create_table(
        "program_settings",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("feedback_due_hours", sa.Integer(), nullable=False),
        sa.Column("at_risk_threshold", sa.Float(), nullable=False),
        sa.Column("recovery_margin", sa.Float(), nullable=False),
        sa.Column("checkin_questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("closeout_questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "at_risk_threshold BETWEEN 0 AND 100", name=op.f("ck_program_settings_threshold_range")
        ),
        sa.CheckConstraint(
            "feedback_due_hours BETWEEN 1 AND 720", name=op.f("ck_program_settings_due_hours_range")
        ),
        sa.CheckConstraint("recovery_margin BETWEEN 0 AND 50", name=op.f("ck_program_settings_margin_range")),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_program_settings")),
        schema="feedback",
    )
    op.create_table(
        "program_weeks",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("sessions_held", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sessions_no_show", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sessions_canceled", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("submissions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("rating_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("mentor_rating_sum", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("mentor_rating_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("goal_progress_sum", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("goal_progress_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("satisfaction_sum", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("satisfaction_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("nps_promoters", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("nps_passives", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("nps_detractors", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("health_sum", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("health_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("program_id", "week_start", name=op.f("pk_program_weeks")),
        schema="feedback",
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("session_cadence", sa.String(length=20), nullable=False),
        sa.Column("checkin_cadence_days", sa.Integer(), nullable=False),
        sa.Column("cohort_start", sa.Date(), nullable=False),
        sa.Column("cohort_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        schema="feedback",
    )
    op.create_index("ix_programs_organization", "programs", ["organization"], unique=False, schema="feedback")
    op.create_table(
        "risk_episodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_score", sa.Float(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_score", sa.Float(), nullable=True),
        sa.Column("ended_by", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_episodes")),
        schema="feedback",
    )
    op.create_index(
        "ix_risk_episodes_match_id", "risk_episodes", ["match_id"], unique=False, schema="feedback"
    )
    op.create_index(
        "ix_risk_episodes_program_id_started_at",
        "risk_episodes",
        ["program_id", "started_at"],
        unique=False,
        schema="feedback",
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        schema="feedback",
    )
    op.create_index(
        "ix_sessions_match_id_start", "sessions", ["match_id", "start"], unique=False, schema="feedback"
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("respondent_id", sa.Uuid(), nullable=False),
        sa.Column("respondent_role", sa.String(length=10), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("mentor_rating", sa.SmallInteger(), nullable=True),
        sa.Column("goal_progress", sa.SmallInteger(), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("answer_score", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("goal_progress BETWEEN 1 AND 5", name=op.f("ck_submissions_goal_progress_range")),
        sa.CheckConstraint("mentor_rating BETWEEN 1 AND 5", name=op.f("ck_submissions_mentor_rating_range")),
        sa.CheckConstraint("nps BETWEEN 0 AND 10", name=op.f("ck_submissions_nps_range")),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_submissions_rating_range")),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name=op.f("ck_submissions_satisfaction_range")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["feedback.feedback_requests.id"],
            name=op.f("fk_submissions_request_id_feedback_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_submissions_request_id")),
        schema="feedback",
    )
    op.create_index(
        "ix_submissions_match_id_submitted_at",
        "submissions",
        ["match_id", "submitted_at"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "ix_submissions_program_id_submitted_at",
        "submissions",
        ["program_id", "submitted_at"],
        unique=False,
        schema="feedback",
    )
    op.create_table(
        "feedback_notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("organization", sa.String(length=100), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["feedback.submissions.id"],
            name=op.f("fk_feedback_notes_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_notes")),
        schema="feedback",
    )
    op.create_index(
        "ix_feedback_notes_submission_id",
        "feedback_notes",
        ["submission_id"],
        unique=False,
        schema="feedback",
    )
    create_messaging_tables("feedback")


def downgrade() -> None:
    op.drop_index("ix_feedback_notes_submission_id", table_name="feedback_notes", schema="feedback")
    op.drop_table("feedback_notes", schema="feedback")
    op.drop_index("ix_submissions_program_id_submitted_at", table_name="submissions", schema="feedback")
    op.drop_index("ix_submissions_match_id_submitted_at", table_name="submissions", schema="feedback")
    op.drop_table("submissions", schema="feedback")
    op.drop_index("ix_sessions_match_id_start", table_name="sessions", schema="feedback")
    op.drop_table("sessions", schema="feedback")
    op.drop_index("ix_risk_episodes_program_id_started_at", table_name="risk_episodes", schema="feedback")
    op.drop_index("ix_risk_episodes_match_id", table_name="risk_episodes", schema="feedback")
    op.drop_table("risk_episodes", schema="feedback")
    op.drop_index("ix_programs_organization", table_name="programs", schema="feedback")
    op.drop_table("programs", schema="feedback")
    op.drop_table("program_weeks", schema="feedback")
    op.drop_table("program_settings", schema="feedback")
    op.drop_table("people", schema="feedback")
    op.drop_index("ix_matches_program_id_status", table_name="matches", schema="feedback")
    op.drop_index("ix_matches_organization_mentor_id", table_name="matches", schema="feedback")
    op.drop_index("ix_matches_organization_mentee_id", table_name="matches", schema="feedback")
    op.drop_table("matches", schema="feedback")
    op.drop_index(
        "ix_match_health_evaluated_at",
        table_name="match_health",
        schema="feedback",
        postgresql_where=sa.text("NOT final"),
    )
    op.drop_index(
        "ix_match_health_at_risk",
        table_name="match_health",
        schema="feedback",
        postgresql_where=sa.text("at_risk"),
    )
    op.drop_table("match_health", schema="feedback")
    op.drop_table("health_snapshots", schema="feedback")
    op.drop_index("ix_feedback_requests_session_id", table_name="feedback_requests", schema="feedback")
    op.drop_index("ix_feedback_requests_respondent", table_name="feedback_requests", schema="feedback")
    op.drop_index(
        "ix_feedback_requests_organization_opened_at_id", table_name="feedback_requests", schema="feedback"
    )
    op.drop_index(
        "ix_feedback_requests_open_due",
        table_name="feedback_requests",
        schema="feedback",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_feedback_requests_match_id_due_at", table_name="feedback_requests", schema="feedback")
    op.drop_table("feedback_requests", schema="feedback")
    op.drop_index("ix_enrollments_program_id_role", table_name="enrollments", schema="feedback")
    op.drop_table("enrollments", schema="feedback")
    for name in ("idempotency_keys", "inbox", "outbox"):
        op.drop_table(name, schema="feedback")
    op.execute('DROP FUNCTION IF EXISTS "feedback".notify_outbox()')
