"""The accountability tables of profiles: its local audit log, with audit triggers on its tables
of record (shared/audit.py), and its copy of the organizations' retention policies
(shared/retention.py).

Revision ID: 20261212_0007
Revises: 20261209_0006
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from shared.audit import audit_changes, stop_auditing
from shared.messaging_tables import create_accountability_tables, drop_accountability_tables

revision: str = "20261212_0007"
down_revision: str | None = "20261209_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "profiles"
# (table, resource it records changes of, the columns identifying the resource)
AUDITED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("people", "person", ("id",)),
    ("enrollments", "enrollment", ("id",)),
    ("programs", "program", ("id",)),
    ("custom_skills", "custom_skill", ("organization", "slug")),
    ("intake_questions", "intake_question", ("id",)),
    ("scim_identities", "scim_identity", ("person_id",)),
    ("personality_results", "personality_result", ("id",)),
    ("self_id_attributes", "self_identification_attribute", ("organization", "slug")),
    ("self_id_consents", "self_identification_consent", ("id",)),
    ("self_identifications", "self_identification", ("person_id", "attribute")),
)


def upgrade() -> None:
    create_accountability_tables(SCHEMA)
    for table, resource, key in AUDITED:
        audit_changes(SCHEMA, table, resource=resource, key=key)


def downgrade() -> None:
    for table, _resource, _key in AUDITED:
        stop_auditing(SCHEMA, table)
    drop_accountability_tables(SCHEMA)
