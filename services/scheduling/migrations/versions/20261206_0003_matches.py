"""One vocabulary: what scheduling called a mentorship is a match, as in matching and its events.

Renames the `mentorships` read model to `matches` (with its key, check and indexes) and every
`mentorship_id` column to `match_id`, and gives the check constraints the names the models give
them (the first revision prefixed them twice). Only names change: rows, values and the ids themselves (they
always were matching's match ids) stay as they are. Meeting link templates that say
`{mentorship_id}` keep working: the placeholder stays accepted as an alias of `{match_id}`.

Revision ID: 20261206_0003
Revises: 20261205_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261206_0003"
down_revision: str | None = "20261205_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "scheduling"

# (old, new) names, applied in this order on upgrade and in reverse on downgrade.
TABLES = [("mentorships", "matches")]
COLUMNS = [("sessions", "mentorship_id", "match_id"), ("proposed_sessions", "mentorship_id", "match_id")]
# Constraints, by their table's name after the table rename. The initial revision's check
# constraints got the naming convention's prefix twice (`ck_sessions_ck_sessions_status_known`);
# they take the names the models give them while names are being changed anyway.
CHECKS = {
    "matches": ["status_known"],
    "sessions": [
        "format_known",
        "status_known",
        "ends_after_start",
        "in_person_has_location",
        "async_has_prompt",
        "versions_valid",
    ],
    "reminders": ["status_known"],
    "organization_policies": ["buffer_range", "notice_range", "horizon_range", "grid_range", "grace_range"],
}
CONSTRAINTS = [
    ("matches", "pk_mentorships", "pk_matches"),
    ("matches", "ck_mentorships_ck_mentorships_status_known", "ck_matches_status_known"),
    *(
        (table, f"ck_{table}_ck_{table}_{check}", f"ck_{table}_{check}")
        for table, checks in CHECKS.items()
        if table != "matches"
        for check in checks
    ),
]
INDEXES = [
    ("ix_mentorships_organization_started_at_id", "ix_matches_organization_started_at_id"),
    ("ix_mentorships_mentor_id", "ix_matches_mentor_id"),
    ("ix_mentorships_mentee_id", "ix_matches_mentee_id"),
    ("ix_sessions_mentorship_id_starts_at", "ix_sessions_match_id_starts_at"),
]


def upgrade() -> None:
    for old, new in TABLES:
        op.rename_table(old, new, schema=SCHEMA)
    for table, old, new in COLUMNS:
        op.alter_column(table, old, new_column_name=new, schema=SCHEMA)
    for table, old, new in CONSTRAINTS:
        op.execute(f'ALTER TABLE "{SCHEMA}"."{table}" RENAME CONSTRAINT "{old}" TO "{new}"')
    for old, new in INDEXES:
        op.execute(f'ALTER INDEX "{SCHEMA}"."{old}" RENAME TO "{new}"')


def downgrade() -> None:
    for old, new in reversed(INDEXES):
        op.execute(f'ALTER INDEX "{SCHEMA}"."{new}" RENAME TO "{old}"')
    for table, old, new in reversed(CONSTRAINTS):
        op.execute(f'ALTER TABLE "{SCHEMA}"."{table}" RENAME CONSTRAINT "{new}" TO "{old}"')
    for table, old, new in reversed(COLUMNS):
        op.alter_column(table, new, new_column_name=old, schema=SCHEMA)
    for old, new in reversed(TABLES):
        op.rename_table(new, old, schema=SCHEMA)
