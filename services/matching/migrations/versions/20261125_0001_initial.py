"""Read model (people, programs, enrollments), mentor slots, matches, rounds, exclusions,
preferences, audit configuration, feedback ratings; outbox, inbox and idempotency keys.

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

SCHEMA = "matching"
LIVE = sa.text("status IN ('accepted', 'active')")
NOT_FINAL = sa.text("status IN ('proposed', 'requested', 'accepted', 'active')")
OPEN = sa.text("status IN ('proposed', 'requested')")


def _uuid(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Uuid, nullable=nullable)


def _text(name: str, length: int, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _jsonb(name: str) -> sa.Column:
    return sa.Column(name, JSONB, nullable=False)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "people",
        _uuid("id"),
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _text("name", 200),
        _text("title", 200, nullable=True),
        _text("department", 200, nullable=True),
        _uuid("manager_id", nullable=True),
        _text("seniority", 20, nullable=True),
        sa.Column("years_of_experience", sa.Integer),
        _text("time_zone", 64),
        _jsonb("languages"),
        sa.Column("mentor_capacity", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _jsonb("profile"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        schema=SCHEMA,
    )
    op.create_index("ix_people_organization", "people", ["organization"], schema=SCHEMA)

    op.create_table(
        "programs",
        _uuid("id"),
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _text("name", 200),
        _text("status", 20),
        _text("matching_mode", 30),
        _jsonb("score_weights"),
        sa.Column("session_length_minutes", sa.Integer, nullable=False),
        sa.Column("exclude_same_department", sa.Boolean, nullable=False),
        sa.Column("cohort_start", sa.Date, nullable=False),
        sa.Column("cohort_end", sa.Date, nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        schema=SCHEMA,
    )
    op.create_index("ix_programs_organization", "programs", ["organization"], schema=SCHEMA)

    op.create_table(
        "enrollments",
        _uuid("id"),
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _uuid("program_id"),
        _uuid("person_id"),
        _text("role", 10),
        _text("status", 20),
        _jsonb("goals"),
        sa.Column("mentor_capacity", sa.Integer),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        schema=SCHEMA,
    )
    op.create_index("ix_enrollments_program_id_role", "enrollments", ["program_id", "role"], schema=SCHEMA)
    op.create_index("ix_enrollments_person_id", "enrollments", ["person_id"], schema=SCHEMA)

    op.create_table(
        "skill_labels",
        _text("organization", 100),
        _text("slug", 64),
        _text("label", 100),
        sa.PrimaryKeyConstraint("organization", "slug", name="pk_skill_labels"),
        schema=SCHEMA,
    )
    op.create_table(
        "read_model_revisions",
        _text("organization", 100),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("organization", name="pk_read_model_revisions"),
        schema=SCHEMA,
    )

    op.create_table(
        "mentor_slots",
        _uuid("program_id"),
        _uuid("mentor_id"),
        _text("organization", 100),
        sa.Column("capacity", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("used", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("program_id", "mentor_id", name="pk_mentor_slots"),
        sa.CheckConstraint("used >= 0", name="ck_mentor_slots_used_not_negative"),
        schema=SCHEMA,
    )

    op.create_table(
        "matches",
        _uuid("id"),
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _uuid("program_id"),
        _uuid("mentee_id"),
        _uuid("mentor_id"),
        _text("status", 20),
        _text("source", 20),
        sa.Column("score", sa.Float, nullable=False),
        _jsonb("score_breakdown"),
        _jsonb("reasons"),
        _uuid("round_id", nullable=True),
        sa.Column("message", sa.Text),
        _timestamp("mentee_accepted_at", nullable=True),
        _timestamp("mentor_accepted_at", nullable=True),
        _timestamp("accepted_at", nullable=True),
        _timestamp("expires_at", nullable=True),
        _text("end_reason", 30, nullable=True),
        _timestamp("ended_at", nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_matches"),
        sa.CheckConstraint("version >= 1", name="ck_matches_version_positive"),
        sa.CheckConstraint("mentee_id <> mentor_id", name="ck_matches_not_self"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="ck_matches_score_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_matches_live_mentee",
        "matches",
        ["program_id", "mentee_id"],
        unique=True,
        postgresql_where=LIVE,
        schema=SCHEMA,
    )
    op.create_index(
        "uq_matches_open_pair",
        "matches",
        ["program_id", "mentee_id", "mentor_id"],
        unique=True,
        postgresql_where=NOT_FINAL,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_matches_organization_created_at_id",
        "matches",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index("ix_matches_program_id_status", "matches", ["program_id", "status"], schema=SCHEMA)
    op.create_index("ix_matches_mentee_id", "matches", ["mentee_id"], schema=SCHEMA)
    op.create_index("ix_matches_mentor_id", "matches", ["mentor_id"], schema=SCHEMA)
    op.create_index("ix_matches_expires_at", "matches", ["expires_at"], postgresql_where=OPEN, schema=SCHEMA)

    op.create_table(
        "rounds",
        _uuid("id"),
        _text("organization", 100),
        _uuid("program_id"),
        sa.Column("version", sa.Integer, nullable=False),
        _text("status", 20),
        _jsonb("options"),
        _jsonb("stats"),
        _text("created_by", 200),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("published_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rounds"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_rounds_draft_program",
        "rounds",
        ["program_id"],
        unique=True,
        postgresql_where=sa.text("status = 'draft'"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_rounds_program_id_created_at_id", "rounds", ["program_id", "created_at", "id"], schema=SCHEMA
    )

    op.create_table(
        "round_proposals",
        _uuid("round_id"),
        _uuid("mentee_id"),
        _uuid("mentor_id", nullable=True),
        _text("source", 20),
        sa.Column("score", sa.Float, nullable=False),
        _jsonb("score_breakdown"),
        _jsonb("reasons"),
        _jsonb("warnings"),
        _uuid("match_id", nullable=True),
        sa.PrimaryKeyConstraint("round_id", "mentee_id", name="pk_round_proposals"),
        schema=SCHEMA,
    )

    op.create_table(
        "exclusions",
        _uuid("id"),
        _text("organization", 100),
        _uuid("program_id"),
        _uuid("mentee_id"),
        _uuid("mentor_id"),
        sa.Column("reason", sa.Text),
        _text("created_by", 200),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_exclusions"),
        sa.UniqueConstraint("program_id", "mentee_id", "mentor_id", name="uq_exclusions_pair"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_exclusions_organization_created_at_id",
        "exclusions",
        ["organization", "created_at", "id"],
        schema=SCHEMA,
    )

    op.create_table(
        "preferences",
        _uuid("program_id"),
        _uuid("person_id"),
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _jsonb("preferred_mentor_ids"),
        _jsonb("avoided_mentor_ids"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("program_id", "person_id", name="pk_preferences"),
        schema=SCHEMA,
    )

    op.create_table(
        "audit_configs",
        _text("organization", 100),
        sa.Column("version", sa.Integer, nullable=False),
        _jsonb("attributes"),
        sa.Column("min_group_size", sa.Integer, nullable=False),
        _text("updated_by", 200),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("organization", name="pk_audit_configs"),
        sa.CheckConstraint("min_group_size BETWEEN 2 AND 1000", name="ck_audit_configs_min_group_size_range"),
        schema=SCHEMA,
    )

    op.create_table(
        "match_feedback",
        _uuid("submission_id"),
        _text("organization", 100),
        _uuid("program_id"),
        _uuid("match_id"),
        _text("kind", 20),
        _text("respondent_role", 10),
        sa.Column("rating", sa.Integer),
        sa.Column("mentor_rating", sa.Integer),
        sa.Column("goal_progress", sa.Integer),
        sa.Column("nps", sa.Integer),
        _jsonb("scores"),
        sa.Column("match_score", sa.Float),
        sa.Column("score_breakdown", JSONB),
        _timestamp("submitted_at"),
        sa.PrimaryKeyConstraint("submission_id", name="pk_match_feedback"),
        schema=SCHEMA,
    )
    op.create_index("ix_match_feedback_match_id", "match_feedback", ["match_id"], schema=SCHEMA)
    op.create_index(
        "ix_match_feedback_program_id_submitted_at",
        "match_feedback",
        ["program_id", "submitted_at"],
        schema=SCHEMA,
    )

    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
