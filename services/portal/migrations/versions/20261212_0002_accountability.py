"""The accountability tables of portal: its local audit log, with audit triggers on its tables
of record (shared/audit.py), and its copy of the organizations' retention policies
(shared/retention.py).

Revision ID: 20261212_0002
Revises: 20261207_0001
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from shared.audit import audit_changes, stop_auditing
from shared.messaging_tables import create_accountability_tables, drop_accountability_tables

revision: str = "20261212_0002"
down_revision: str | None = "20261207_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "portal"
# (table, resource it records changes of, the columns identifying the resource)
AUDITED: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


def upgrade() -> None:
    create_accountability_tables(SCHEMA)
    for table, resource, key in AUDITED:
        audit_changes(SCHEMA, table, resource=resource, key=key)


def downgrade() -> None:
    for table, _resource, _key in AUDITED:
        stop_auditing(SCHEMA, table)
    drop_accountability_tables(SCHEMA)
