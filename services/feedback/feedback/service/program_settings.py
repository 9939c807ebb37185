"""How a program collects feedback: its due time, at-risk threshold and forms (admins change it
with If-Match; the defaults carry version 0)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import queries
from feedback.config import FeedbackSettings
from feedback.documents import Document, settings_document
from feedback.forms import form_problems
from feedback.models import SETTINGS
from feedback.schemas import ProgramFeedbackSettingsUpdate
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.errors import Problem, not_found
from shared.locks import advisory_lock


async def update_settings(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    changes: ProgramFeedbackSettingsUpdate,
    if_match: str | None,
    now: datetime,
    settings: FeedbackSettings,
) -> Document:
    """Change how a program collects feedback (If-Match: the ETag of the settings, `"0"` for the
    defaults). Open requests keep the questions they were opened with."""
    if await queries.program_organization(session, program_id=program_id) != caller.organization:
        raise not_found("program")
    # Serialize writers of one program's settings, including the first (no row to lock yet).
    await advisory_lock(session, f"feedback.settings.{program_id}")
    current = await queries.rules_for(session, program_id=program_id, settings=settings)
    check_if_match(if_match, current.version)
    fields = changes.model_dump(exclude_unset=True)
    errors = []
    for name in ("checkin_questions", "closeout_questions"):
        if fields.get(name) is None:
            fields.pop(name, None)
            continue
        questions = getattr(changes, name)
        errors += [
            {"field": f"body.{name}", "message": problem, "type": "invalid_form"}
            for problem in form_problems(questions)
        ]
        fields[name] = [q.model_dump(mode="json") for q in questions]
    if errors:
        raise Problem(422, "the form is not usable", slug="validation-error", errors=errors)
    fields = {name: value for name, value in fields.items() if value is not None}
    values = {
        "program_id": program_id,
        "organization": caller.organization,
        "feedback_due_hours": current.feedback_due_hours,
        "at_risk_threshold": current.at_risk_threshold,
        "recovery_margin": current.recovery_margin,
        "checkin_questions": [q.model_dump(mode="json") for q in current.checkin_questions],
        "closeout_questions": [q.model_dump(mode="json") for q in current.closeout_questions],
        **fields,
        "version": current.version + 1,
        "updated_at": now,
    }
    statement = insert(SETTINGS).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SETTINGS.c.program_id],
            set_={name: statement.excluded[name] for name in values if name != "program_id"},
        )
    )
    return settings_document(
        program_id, await queries.rules_for(session, program_id=program_id, settings=settings)
    )
