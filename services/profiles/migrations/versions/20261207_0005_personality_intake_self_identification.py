"""Personality and working style, program intake questionnaires, consented self-identification.

Programs gain their personality fit per trait and the intake criteria matching uses; enrollments
their intake answers (and the criterion answers matching receives). New tables: intake questions,
personality results (history) and profiles (the latest, what counts), self-identification
attributes, the organizations' pseudonym secrets (sealed), people's sealed values, the consent
record, and the version of what matching was told.

Revision ID: 20261207_0005
Revises: 20261206_0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "20261207_0005"
down_revision: str | None = "20261206_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
EMPTY_LIST = sa.text("'[]'::jsonb")
EMPTY_OBJECT = sa.text("'{}'::jsonb")


def _person_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization", "person_id"],
        [f"{SCHEMA}.people.organization", f"{SCHEMA}.people.id"],
        name=f"fk_{table}_person",
    )


def upgrade() -> None:
    op.add_column(
        "programs",
        sa.Column("personality_fit", JSONB, nullable=False, server_default=EMPTY_OBJECT),
        schema=SCHEMA,
    )
    op.add_column(
        "programs",
        sa.Column("intake_criteria", JSONB, nullable=False, server_default=EMPTY_LIST),
        schema=SCHEMA,
    )
    op.add_column(
        "enrollments",
        sa.Column("intake_answers", JSONB, nullable=False, server_default=EMPTY_OBJECT),
        schema=SCHEMA,
    )
    op.add_column(
        "enrollments",
        sa.Column("matching_answers", JSONB, nullable=False, server_default=EMPTY_OBJECT),
        schema=SCHEMA,
    )

    op.create_table(
        "intake_questions",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("program_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("roles", JSONB, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("prompt", sa.String(500), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("options", JSONB, nullable=False),
        sa.Column("scale_min", sa.Integer),
        sa.Column("scale_max", sa.Integer),
        sa.Column("criterion", sa.String(20)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_questions"),
        sa.ForeignKeyConstraint(
            ["organization", "program_id"],
            [f"{SCHEMA}.programs.organization", f"{SCHEMA}.programs.id"],
            name="fk_intake_questions_program",
        ),
        sa.CheckConstraint(
            "kind IN ('single_choice', 'multiple_choice', 'scale', 'short_text')",
            name="ck_intake_questions_kind_known",
        ),
        sa.CheckConstraint(
            "criterion IS NULL OR criterion IN ('must_match', 'prefer_match', 'prefer_different')",
            name="ck_intake_questions_criterion_known",
        ),
        sa.CheckConstraint(
            "kind <> 'scale' OR (scale_min IS NOT NULL AND scale_max > scale_min)",
            name="ck_intake_questions_scale_bounds",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_intake_questions_program_id_position",
        "intake_questions",
        ["program_id", "position"],
        schema=SCHEMA,
    )

    op.create_table(
        "personality_results",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("item_answers", JSONB),
        sa.Column("traits", JSONB),
        sa.Column("working_style", JSONB),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_personality_results"),
        _person_key("personality_results"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_personality_results_person_id_taken_at_id",
        "personality_results",
        ["person_id", "taken_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "personality_profiles",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("result_id", sa.Uuid),
        sa.Column("traits", JSONB),
        sa.Column("working_style", JSONB),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_personality_profiles"),
        _person_key("personality_profiles"),
        sa.CheckConstraint("version >= 1", name="ck_personality_profiles_version_positive"),
        schema=SCHEMA,
    )

    op.create_table(
        "self_id_attributes",
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("description", sa.String(1000)),
        sa.Column("values", JSONB, nullable=False),
        sa.Column("purposes", JSONB, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization", "slug", name="pk_self_id_attributes"),
        sa.CheckConstraint("version >= 1", name="ck_self_id_attributes_version_positive"),
        schema=SCHEMA,
    )
    op.create_table(
        "self_id_secrets",
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("sealed_secret", sa.Text, nullable=False),
        sa.Column("key_fingerprint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization", name="pk_self_id_secrets"),
        schema=SCHEMA,
    )
    op.create_table(
        "self_identifications",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("attribute", sa.String(64), nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("sealed_value", sa.Text, nullable=False),
        sa.Column("key_fingerprint", sa.String(16), nullable=False),
        sa.Column("purposes", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "attribute", name="pk_self_identifications"),
        _person_key("self_identifications"),
        sa.ForeignKeyConstraint(
            ["organization", "attribute"],
            [f"{SCHEMA}.self_id_attributes.organization", f"{SCHEMA}.self_id_attributes.slug"],
            name="fk_self_identifications_attribute",
        ),
        sa.CheckConstraint(
            "jsonb_array_length(purposes) > 0", name="ck_self_identifications_purposes_not_empty"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_self_identifications_organization_attribute",
        "self_identifications",
        ["organization", "attribute"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_self_identifications_key_fingerprint", "self_identifications", ["key_fingerprint"], schema=SCHEMA
    )
    op.create_table(
        "self_id_consents",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("attribute", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_self_id_consents"),
        sa.CheckConstraint("action IN ('granted', 'revoked')", name="ck_self_id_consents_action_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_self_id_consents_person_id_recorded_at_id",
        "self_id_consents",
        ["person_id", "recorded_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "self_id_states",
        sa.Column("person_id", sa.Uuid, nullable=False),
        sa.Column("organization", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_self_id_states"),
        sa.CheckConstraint("version >= 1", name="ck_self_id_states_version_positive"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "self_id_states",
        "self_id_consents",
        "self_identifications",
        "self_id_secrets",
        "self_id_attributes",
        "personality_profiles",
        "personality_results",
        "intake_questions",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.drop_column("enrollments", "matching_answers", schema=SCHEMA)
    op.drop_column("enrollments", "intake_answers", schema=SCHEMA)
    op.drop_column("programs", "intake_criteria", schema=SCHEMA)
    op.drop_column("programs", "personality_fit", schema=SCHEMA)
