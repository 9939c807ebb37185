"""When a person was erased (issue 20): an erased person is told by this column, no longer by the
domain of their anonymized email, and can never be reactivated. Rows erased before are recognized
by that domain once, here.

Revision ID: 20261213_0008
Revises: 20261212_0007
Create Date: 2026-12-13
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.audit import audit_changes, stop_auditing

revision: str = "20261213_0008"
down_revision: str | None = "20261212_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"


def _audit_people() -> None:
    # Audited again so the trail records the new column's values (times are not private).
    stop_auditing(SCHEMA, "people")
    audit_changes(SCHEMA, "people", resource="person", key=("id",))


def upgrade() -> None:
    op.add_column("people", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.execute(
        "UPDATE profiles.people SET erased_at = updated_at "
        "WHERE erased_at IS NULL AND email LIKE '%@erased.invalid'"
    )
    _audit_people()


def downgrade() -> None:
    stop_auditing(SCHEMA, "people")
    op.drop_column("people", "erased_at", schema=SCHEMA)
    audit_changes(SCHEMA, "people", resource="person", key=("id",))
