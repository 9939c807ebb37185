"""Use cases of the feedback API: each state change and its event commit in one transaction.

Each function takes a session already inside a transaction (`shared.db.transaction`); a
`Problem` raised here rolls everything back, so a refused request writes nothing.
"""

from __future__ import annotations

import statistics
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence, monitoring, privacy, queries
from feedback.config import FeedbackSettings
from feedback.forms import (
    SESSION_FORM,
    InvalidAnswers,
    Metric,
    Question,
    form_problems,
    normalized,
    validate_answers,
)
from feedback.models import NOTES, REQUESTS, SETTINGS, SUBMISSIONS, messaging
from feedback.program_settings import FeedbackRules, rules_for
from feedback.rollups import add_to_week, submission_contribution
from feedback.schemas import ProgramFeedbackSettingsUpdate, SubmissionCreate
from feedback.store import lock_entity
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.feedback import (
    CheckinSubmitted,
    CloseoutSubmitted,
    FeedbackSubmitted,
    RequestKind,
    RequestStatus,
    SubmissionState,
)
from shared.errors import Problem, not_found
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)
Document = dict[str, Any]

_SUBMITTED_EVENT: dict[RequestKind, type[FeedbackSubmitted | CheckinSubmitted | CloseoutSubmitted]] = {
    RequestKind.SESSION: FeedbackSubmitted,
    RequestKind.CHECKIN: CheckinSubmitted,
    RequestKind.CLOSEOUT: CloseoutSubmitted,
}


async def submit(
    session: AsyncSession,
    *,
    caller: Principal,
    request_id: uuid.UUID,
    body: SubmissionCreate,
    now: datetime,
    settings: FeedbackSettings,
) -> Document:
    """Answer a feedback request: the answers, the request marked submitted, the week's rollup,
    the event (numbers only) and the match's re-evaluated health, all in one transaction."""
    request = (
        await session.execute(
            select(REQUESTS)
            .where(REQUESTS.c.id == request_id, REQUESTS.c.organization == caller.organization)
            .with_for_update()
        )
    ).first()
    if request is None or not privacy.may_read_request(caller, request.respondent_id):
        raise not_found("feedback request")
    if privacy.person_id_of(caller) != request.respondent_id:
        raise Problem(403, "only the participant a request is addressed to can answer it")
    if request.status == RequestStatus.SUBMITTED.value:
        raise Problem(409, "this request was already answered", slug="already-submitted")
    if request.status == RequestStatus.WITHDRAWN.value:
        raise Problem(409, "this request was withdrawn", slug="request-withdrawn")
    questions = [Question.model_validate(q) for q in request.questions]
    try:
        answers = validate_answers(questions, body.answers)
    except InvalidAnswers as exc:
        raise Problem(
            422, "some answers do not fit the form", slug="validation-error", errors=exc.errors
        ) from exc

    by_id = {q.id: q for q in questions}
    numeric = [normalized(by_id[qid], value) for qid, value in answers.scores.items()]
    submission_id = uuid.uuid4()
    late = now > request.due_at
    row: Document = {
        "id": submission_id,
        "organization": request.organization,
        "request_id": request.id,
        "kind": request.kind,
        "program_id": request.program_id,
        "match_id": request.match_id,
        "session_id": request.session_id,
        "respondent_id": request.respondent_id,
        "respondent_role": request.respondent_role,
        "rating": answers.metrics.get(Metric.RATING),
        "mentor_rating": answers.metrics.get(Metric.MENTOR_RATING),
        "goal_progress": answers.metrics.get(Metric.GOAL_PROGRESS),
        "satisfaction": answers.metrics.get(Metric.SATISFACTION),
        "nps": answers.metrics.get(Metric.NPS),
        "scores": answers.scores,
        "answer_score": statistics.fmean(numeric) if numeric else None,
        "late": late,
        "submitted_at": now,
    }
    await session.execute(insert(SUBMISSIONS).values(**row))
    notes = [
        {
            "organization": request.organization,
            "submission_id": submission_id,
            "author_id": request.respondent_id,
            "question_id": entry.question_id,
            "text": entry.text,
            "private": entry.private,
        }
        for entry in answers.texts
    ]
    if notes:
        await session.execute(insert(NOTES), notes)
    await session.execute(
        update(REQUESTS)
        .where(REQUESTS.c.id == request.id)
        .values(status=RequestStatus.SUBMITTED.value, submitted_at=now, version=REQUESTS.c.version + 1)
    )
    kind = RequestKind(request.kind)
    state = SubmissionState.model_validate(row)
    event: Event = _SUBMITTED_EVENT[kind](submission=state)
    await OUTBOX.add(session, event, organization=request.organization, subject=str(submission_id))
    await monitoring.evaluate_match(session, match_id=request.match_id, now=now, settings=settings)
    # Last: every answer of the program this week updates this one row, so its lock is held only
    # for the commit, not for the whole transaction.
    await add_to_week(
        session,
        organization=request.organization,
        program_id=request.program_id,
        week_start=cadence.week_start(now),
        deltas=submission_contribution(answers.metrics),
    )
    return privacy.submission_view(row, notes, privacy.Viewer.AUTHOR)


# --- program settings --------------------------------------------------------------------------


def settings_document(program_id: uuid.UUID, rules: FeedbackRules) -> Document:
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
    await lock_entity(session, "settings", program_id)
    current = await rules_for(session, program_id=program_id, settings=settings)
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
    return settings_document(program_id, await rules_for(session, program_id=program_id, settings=settings))
