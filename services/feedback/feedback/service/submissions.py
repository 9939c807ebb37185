"""Answering a feedback request: the answers, the request marked answered, its event, the match's
health and the week's rollup, in one transaction.

Free text goes to its own table and never into events or aggregates; private text is readable by
its author alone (see `privacy`).
"""

from __future__ import annotations

import statistics
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence, privacy
from feedback.config import FeedbackSettings
from feedback.documents import Document
from feedback.forms import InvalidAnswers, Metric, Question, normalized, validate_answers
from feedback.models import NOTES, REQUESTS, SUBMISSIONS
from feedback.rollups import submission_contribution
from feedback.schemas import SubmissionCreate
from feedback.service import OUTBOX
from feedback.service.match_health import evaluate_match
from feedback.service.program_weeks import add_to_week
from shared.auth import Principal
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
    await evaluate_match(session, match_id=request.match_id, now=now, settings=settings)
    # Into the week's rollup: every answer of the program this week updates this one row, so it is
    # written when the transaction commits and its lock is held only for the commit.
    await add_to_week(
        session,
        organization=request.organization,
        program_id=request.program_id,
        week_start=cadence.week_start(now),
        deltas=submission_contribution(answers.metrics),
    )
    return privacy.submission_view(row, notes, privacy.Viewer.AUTHOR)
