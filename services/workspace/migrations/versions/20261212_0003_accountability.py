"""The accountability tables of workspace: its local audit log, with audit triggers on its tables
of record (shared/audit.py), and its copy of the organizations' retention policies
(shared/retention.py).

Revision ID: 20261212_0003
Revises: 20261209_0002
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from shared.audit import audit_changes, stop_auditing
from shared.messaging_tables import create_accountability_tables, drop_accountability_tables

revision: str = "20261212_0003"
down_revision: str | None = "20261209_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workspace"
# (table, resource it records changes of, the columns identifying the resource)
AUDITED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("agreements", "agreement", ("match_id",)),
    ("agreement_signatures", "agreement_signature", ("match_id", "person_id", "version")),
    ("goals", "goal", ("id",)),
    ("goal_progress", "goal_progress", ("id",)),
    ("goal_comments", "goal_comment", ("id",)),
    ("milestones", "milestone", ("id",)),
    ("action_items", "action_item", ("id",)),
    ("action_item_comments", "action_item_comment", ("id",)),
    ("agenda_items", "agenda_item", ("id",)),
    ("messages", "message", ("id",)),
    ("message_reports", "message_report", ("id",)),
    ("private_notes", "private_note", ("session_id", "author_id")),
    ("session_notes", "session_note", ("session_id",)),
    ("cases", "case", ("id",)),
    ("case_actions", "case_action", ("id",)),
    ("intervention_notes", "intervention_note", ("id",)),
    ("circle_goals", "circle_goal", ("id",)),
    ("circle_messages", "circle_message", ("id",)),
    ("organization_settings", "workspace_settings", ("organization",)),
    ("program_settings", "workspace_program_settings", ("program_id",)),
)


def upgrade() -> None:
    create_accountability_tables(SCHEMA)
    for table, resource, key in AUDITED:
        audit_changes(SCHEMA, table, resource=resource, key=key)


def downgrade() -> None:
    for table, _resource, _key in AUDITED:
        stop_auditing(SCHEMA, table)
    drop_accountability_tables(SCHEMA)
