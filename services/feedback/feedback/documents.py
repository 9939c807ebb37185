"""Response shaping shared by routes and use cases: rows of the feedback tables as JSON documents.

A submission's document depends on who reads it: that is `privacy.submission_view`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from feedback.forms import SESSION_FORM
from feedback.program_settings import FeedbackRules
from shared.contracts.feedback import RequestStatus

Document = dict[str, Any]


def request_document(row: Any, now: datetime) -> Document:
    """A feedback request with its questions, overdue as of `now`."""
    return {
        "id": row.id,
        "kind": row.kind,
        "program_id": row.program_id,
        "match_id": row.match_id,
        "session_id": row.session_id,
        "respondent_id": row.respondent_id,
        "respondent_role": row.respondent_role,
        "questions": row.questions,
        "opened_at": row.opened_at,
        "due_at": row.due_at,
        "overdue": row.status == RequestStatus.OPEN.value and row.due_at < now,
        "status": row.status,
        "submitted_at": row.submitted_at,
        "version": row.version,
    }


def settings_document(program_id: uuid.UUID, rules: FeedbackRules) -> Document:
    """How a program collects feedback (its version is the settings' ETag)."""
    return {
        "program_id": program_id,
        "feedback_due_hours": rules.feedback_due_hours,
        "at_risk_threshold": rules.at_risk_threshold,
        "recovery_margin": rules.recovery_margin,
        "checkin_questions": [q.model_dump(mode="json") for q in rules.checkin_questions],
        "closeout_questions": [q.model_dump(mode="json") for q in rules.closeout_questions],
        "session_questions": [q.model_dump(mode="json") for q in SESSION_FORM],
        "version": rules.version,
    }


def health_document(row: Any) -> Document:
    """A match's health: the score, each component explained, and whether it is at risk."""
    return {
        "match_id": row.match_id,
        "program_id": row.program_id,
        "score": row.score,
        "threshold": row.threshold,
        "at_risk": row.at_risk,
        "at_risk_since": row.at_risk_since,
        "reasons": row.reasons,
        "components": row.components,
        "final": row.final,
        "evaluated_at": row.evaluated_at,
    }


def at_risk_document(row: Any) -> Document:
    """A match at risk as an admin's list shows it: who, how low, since when and why."""
    return {
        "match_id": row.match_id,
        "score": row.score,
        "threshold": row.threshold,
        "reasons": row.reasons,
        "at_risk_since": row.at_risk_since,
        "mentor_id": row.mentor_id,
        "mentee_id": row.mentee_id,
        "mentor_name": row.mentor_name,
        "mentee_name": row.mentee_name,
    }
