"""Response shaping shared by routes and queries: rows of the workspace tables as JSON documents.

What a document shows never depends on the row alone when privacy is involved: private notes have
no document here at all except their author's (`private_note_document`), and messages are shaped
only for the pair and for admins' report views.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from shared.contracts.workspace import GoalStatus
from workspace.agreements import Signatures
from workspace.program_rules import OrganizationRules, ProgramRules

Document = dict[str, Any]

OPEN_GOAL = frozenset({GoalStatus.NOT_STARTED.value, GoalStatus.ON_TRACK.value, GoalStatus.AT_RISK.value})


def milestone_document(row: Any) -> Document:
    return {
        "id": row.id,
        "goal_id": row.goal_id,
        "title": row.title,
        "due_date": row.due_date,
        "reached": row.reached_at is not None,
        "reached_at": row.reached_at,
        "reached_on_time": row.reached_on_time,
        "position": row.position,
        "version": row.version,
    }


def goal_document(row: Any, milestones: Iterable[Any], *, today: date) -> Document:
    """A goal with its milestones; `overdue` as of `today` (the mentee's date)."""
    return {
        "id": row.id,
        "match_id": row.match_id,
        "program_id": row.program_id,
        "mentee_id": row.mentee_id,
        "mentor_id": row.mentor_id,
        "title": row.title,
        "measure": row.measure,
        "target_date": row.target_date,
        "skills": list(row.skills or ()),
        "guidance_kind": row.guidance_kind,
        "status": row.status,
        "percent": row.percent,
        "overdue": row.status in OPEN_GOAL and row.target_date is not None and row.target_date < today,
        "adopted": row.adopted,
        "proposal": row.proposal,
        "proposed_by": row.proposed_by,
        "template": row.template,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "completed_at": row.completed_at,
        "completed_on_time": row.completed_on_time,
        "milestones": [milestone_document(m) for m in milestones],
        "version": row.version,
    }


def progress_document(row: Any) -> Document:
    return {
        "id": row.id,
        "goal_id": row.goal_id,
        "status": row.status,
        "previous_status": row.previous_status,
        "percent": row.percent,
        "note": row.note,
        "author_id": row.author_id,
        "recorded_at": row.recorded_at,
    }


def comment_document(row: Any) -> Document:
    return {"id": row.id, "author_id": row.author_id, "body": row.body, "created_at": row.created_at}


def action_item_document(row: Any, *, now: datetime) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "owner_id": row.owner_id,
        "title": row.title,
        "due_date": row.due_date,
        "due_at": row.due_at,
        "overdue": not row.done and row.due_at is not None and row.due_at < now,
        "done": row.done,
        "done_at": row.done_at,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def agenda_item_document(row: Any) -> Document:
    """An agenda point; `goal_title`/`action_item_title` come from the row's joined columns."""
    return {
        "id": row.id,
        "session_id": row.session_id,
        "author_id": row.author_id,
        "body": row.body,
        "goal_id": row.goal_id,
        "goal_title": getattr(row, "goal_title", None),
        "action_item_id": row.action_item_id,
        "action_item_title": getattr(row, "action_item_title", None),
        "created_at": row.created_at,
    }


def session_document(row: Any) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "status": row.status,
        "format": row.format,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
    }


def shared_notes_document(session_id: uuid.UUID, row: Any | None) -> Document:
    return {
        "session_id": session_id,
        "body": row.body if row is not None else "",
        "updated_by": row.updated_by if row is not None else None,
        "updated_at": row.updated_at if row is not None else None,
        "version": row.version if row is not None else 0,
    }


def private_note_document(session_id: uuid.UUID, row: Any | None) -> Document:
    """The caller's own private note (never built for anyone else)."""
    return {
        "session_id": session_id,
        "body": row.body if row is not None else "",
        "updated_at": row.updated_at if row is not None else None,
        "version": row.version if row is not None else 0,
    }


def message_document(row: Any) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "number": row.number,
        "sender_id": row.sender_id,
        "recipient_id": row.recipient_id,
        "body": row.body if row.deleted_at is None else None,
        "created_at": row.created_at,
        "edited": row.edited_at is not None,
        "edited_at": row.edited_at,
        "deleted": row.deleted_at is not None,
        "deleted_at": row.deleted_at,
        "version": row.version,
    }


def report_document(row: Any) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "program_id": row.program_id,
        "message_id": row.message_id,
        "message_number": row.message_number,
        "reporter_id": row.reporter_id,
        "reason": row.reason,
        "note": row.note,
        "status": row.status,
        "resolution": row.resolution,
        "resolved_by": row.resolved_by,
        "resolved_at": row.resolved_at,
        "created_at": row.created_at,
        "version": row.version,
    }


def member_document(person_id: uuid.UUID, person: Any | None) -> Document:
    return {
        "person_id": person_id,
        "name": person.name if person is not None else None,
        "time_zone": person.time_zone if person is not None else None,
        "active": person.active if person is not None else None,
    }


def workspace_document(
    row: Any,
    *,
    people: Mapping[uuid.UUID, Any],
    program: Any | None,
    now: datetime,
    unread: int | None,
) -> Document:
    """A pair's workspace and its summary (counts only: no goal, note or message text)."""
    return {
        "match_id": row.match_id,
        "program_id": row.program_id,
        "program_name": program.name if program is not None else None,
        "objective": program.objective if program is not None else None,
        "status": row.status,
        "closed_reason": row.closed_reason,
        "opened_at": row.opened_at,
        "closed_at": row.closed_at,
        "mentor": member_document(row.mentor_id, people.get(row.mentor_id)),
        "mentee": member_document(row.mentee_id, people.get(row.mentee_id)),
        "agreement_status": row.agreement_status,
        "goals_total": row.goals_total,
        "goals_open": row.goals_open,
        "goals_done": row.goals_done,
        "goals_done_on_time": row.goals_done_on_time,
        "goals_at_risk": row.goals_at_risk,
        "goals_proposed": row.goals_proposed,
        "goals_overdue": row.next_goal_target is not None and row.next_goal_target < now.date(),
        "action_items_open": row.action_items_open,
        "action_items_overdue": row.next_action_due_at is not None and row.next_action_due_at < now,
        "unread_messages": unread,
    }


def agreement_document(
    *,
    match_id: uuid.UUID,
    program_id: uuid.UUID,
    mentor_id: uuid.UUID,
    mentee_id: uuid.UUID,
    row: Any | None,
    rules: ProgramRules,
) -> Document:
    """The pair's agreement, or the program's template as version 0 before anyone edited or signed."""
    signatures = (
        Signatures(
            version=row.version,
            mentor_signed_version=row.mentor_signed_version,
            mentor_signed_at=row.mentor_signed_at,
            mentee_signed_version=row.mentee_signed_version,
            mentee_signed_at=row.mentee_signed_at,
        )
        if row is not None
        else Signatures(version=0)
    )
    return {
        "match_id": match_id,
        "program_id": program_id,
        "version": signatures.version,
        "status": signatures.status(stored=row is not None),
        "sections": dict(row.sections) if row is not None else dict(rules.agreement_template),
        "required_before_first_session": rules.agreement_required,
        "mentor": {
            "person_id": mentor_id,
            "signed_version": signatures.mentor_signed_version,
            "signed_at": signatures.mentor_signed_at,
            "current": signatures.mentor_signed,
        },
        "mentee": {
            "person_id": mentee_id,
            "signed_version": signatures.mentee_signed_version,
            "signed_at": signatures.mentee_signed_at,
            "current": signatures.mentee_signed,
        },
        "updated_by": row.updated_by if row is not None else None,
        "updated_at": row.updated_at if row is not None else None,
    }


def program_settings_document(program_id: uuid.UUID, rules: ProgramRules) -> Document:
    return {
        "program_id": program_id,
        "agreement_template": dict(rules.agreement_template),
        "agreement_required_before_first_session": rules.agreement_required,
        "version": rules.version,
    }


def organization_settings_document(
    organization: str, rules: OrganizationRules, *, edit_window_seconds: float, context_messages: int
) -> Document:
    return {
        "organization": organization,
        "message_retention_days": rules.message_retention_days,
        "message_edit_window_seconds": edit_window_seconds,
        "report_context_messages": context_messages,
        "version": rules.version,
    }


def intervention_note_document(row: Any) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "author_id": row.author_id,
        "body": row.body,
        "created_at": row.created_at,
    }


def case_action_document(row: Any) -> Document:
    return {
        "id": row.id,
        "kind": row.kind,
        "note": row.note,
        "author_id": row.author_id,
        "taken_at": row.taken_at,
    }


def case_document(row: Any, actions: Iterable[Any]) -> Document:
    return {
        "id": row.id,
        "match_id": row.match_id,
        "program_id": row.program_id,
        "mentor_id": row.mentor_id,
        "mentee_id": row.mentee_id,
        "source": row.source,
        "episode_id": row.episode_id,
        "health_score": row.health_score,
        "status": row.status,
        "owner_id": row.owner_id,
        "outcome": row.outcome,
        "outcome_note": row.outcome_note,
        "opened_at": row.opened_at,
        "closed_at": row.closed_at,
        "actions": [case_action_document(action) for action in actions],
        "version": row.version,
    }
