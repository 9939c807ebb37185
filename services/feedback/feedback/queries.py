"""Reads of the feedback API: every query is scoped to the caller's organization.

Private notes are filtered out in SQL for everyone but their author, and again by
`privacy.submission_view`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select, tuple_

from feedback import privacy
from feedback.models import HEALTH, MATCHES, NOTES, PEOPLE, PROGRAMS, REQUESTS, SUBMISSIONS
from feedback.privacy import Viewer
from feedback.store import Executor
from shared.auth import Principal
from shared.contracts.feedback import RequestKind, RequestStatus
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor

Document = dict[str, Any]


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


def _moment(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


async def program_organization(db: Executor, *, program_id: uuid.UUID) -> str | None:
    """The organization of a program the service knows of (from profiles' events)."""
    return await db.scalar(select(PROGRAMS.c.organization).where(PROGRAMS.c.id == program_id))


# --- requests ----------------------------------------------------------------------------------


def request_document(row: Row[Any], now: datetime) -> Document:
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


async def request_for(
    db: Executor, *, caller: Principal, request_id: uuid.UUID, now: datetime
) -> Document | None:
    row = (
        await db.execute(
            select(REQUESTS).where(
                REQUESTS.c.id == request_id, REQUESTS.c.organization == caller.organization
            )
        )
    ).first()
    if row is None or not privacy.may_read_request(caller, row.respondent_id):
        return None
    return request_document(row, now)


async def list_requests(
    db: Executor,
    *,
    caller: Principal,
    now: datetime,
    limit: int,
    cursor: str | None,
    respondent_id: uuid.UUID | None,
    program_id: uuid.UUID | None,
    match_id: uuid.UUID | None,
    kind: RequestKind | None,
    status: RequestStatus | None,
    overdue: bool | None,
) -> tuple[list[Document], str | None]:
    """The caller's own requests; admins see the organization's (optionally one respondent's)."""
    conditions: list[Any] = [REQUESTS.c.organization == caller.organization]
    if not caller.is_admin:
        me = privacy.person_id_of(caller)
        if me is None or (respondent_id is not None and respondent_id != me):
            return [], None
        conditions.append(REQUESTS.c.respondent_id == me)
    elif respondent_id is not None:
        conditions.append(REQUESTS.c.respondent_id == respondent_id)
    if program_id is not None:
        conditions.append(REQUESTS.c.program_id == program_id)
    if match_id is not None:
        conditions.append(REQUESTS.c.match_id == match_id)
    if kind is not None:
        conditions.append(REQUESTS.c.kind == kind.value)
    if status is not None:
        conditions.append(REQUESTS.c.status == status.value)
    if overdue is True:
        conditions += [REQUESTS.c.status == RequestStatus.OPEN.value, REQUESTS.c.due_at < now]
    elif overdue is False:
        conditions.append(or_(REQUESTS.c.status != RequestStatus.OPEN.value, REQUESTS.c.due_at >= now))
    if cursor is not None:
        opened_at, last_id = decode_cursor(cursor, arity=2)
        conditions.append(tuple_(REQUESTS.c.opened_at, REQUESTS.c.id) > (_moment(opened_at), _uuid(last_id)))
    rows = (
        await db.execute(
            select(REQUESTS)
            .where(and_(*conditions))
            .order_by(REQUESTS.c.opened_at, REQUESTS.c.id)
            .limit(limit + 1)
        )
    ).all()
    items = [request_document(row, now) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.opened_at.isoformat(), str(last.id))
    return items, next_cursor


# --- submissions -------------------------------------------------------------------------------

_SUBMISSION_FIELDS = (
    SUBMISSIONS.c.id,
    SUBMISSIONS.c.request_id,
    SUBMISSIONS.c.kind,
    SUBMISSIONS.c.program_id,
    SUBMISSIONS.c.match_id,
    SUBMISSIONS.c.session_id,
    SUBMISSIONS.c.respondent_id,
    SUBMISSIONS.c.respondent_role,
    SUBMISSIONS.c.submitted_at,
    SUBMISSIONS.c.late,
    SUBMISSIONS.c.scores,
)


async def _notes(
    db: Executor, *, submission_ids: list[uuid.UUID], reader: uuid.UUID | None
) -> dict[uuid.UUID, list[Document]]:
    """Notes of these submissions that `reader` may read: shared ones, and private ones they wrote."""
    if not submission_ids:
        return {}
    readable = NOTES.c.private.is_(False)
    if reader is not None:
        readable = or_(readable, NOTES.c.author_id == reader)
    rows = (
        await db.execute(
            select(NOTES.c.submission_id, NOTES.c.question_id, NOTES.c.text, NOTES.c.private)
            .where(NOTES.c.submission_id.in_(submission_ids), readable)
            .order_by(NOTES.c.id)
        )
    ).all()
    by_submission: dict[uuid.UUID, list[Document]] = defaultdict(list)
    for row in rows:
        by_submission[row.submission_id].append(
            {"question_id": row.question_id, "text": row.text, "private": row.private}
        )
    return by_submission


async def submission_for(db: Executor, *, caller: Principal, submission_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(*_SUBMISSION_FIELDS, MATCHES.c.mentor_id, MATCHES.c.mentee_id)
            .join(MATCHES, MATCHES.c.id == SUBMISSIONS.c.match_id, isouter=True)
            .where(SUBMISSIONS.c.id == submission_id, SUBMISSIONS.c.organization == caller.organization)
        )
    ).first()
    if row is None:
        return None
    viewer = privacy.viewer_of(
        caller,
        respondent_id=row.respondent_id,
        mentor_id=row.mentor_id or row.respondent_id,
        mentee_id=row.mentee_id or row.respondent_id,
    )
    if viewer is None:
        return None
    reader = row.respondent_id if viewer is Viewer.AUTHOR else None
    notes = await _notes(db, submission_ids=[row.id], reader=reader)
    return privacy.submission_view(row._asdict(), notes.get(row.id, []), viewer)


async def list_match_submissions(
    db: Executor, *, caller: Principal, match_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Document], str | None] | None:
    """Submissions about a match, for its participants and admins; None if the caller may not know it."""
    match = (
        await db.execute(
            select(MATCHES.c.mentor_id, MATCHES.c.mentee_id).where(
                MATCHES.c.id == match_id, MATCHES.c.organization == caller.organization
            )
        )
    ).first()
    if match is None or not privacy.may_see_match(
        caller, mentor_id=match.mentor_id, mentee_id=match.mentee_id
    ):
        return None
    conditions: list[Any] = [SUBMISSIONS.c.match_id == match_id]
    if cursor is not None:
        submitted_at, last_id = decode_cursor(cursor, arity=2)
        conditions.append(
            tuple_(SUBMISSIONS.c.submitted_at, SUBMISSIONS.c.id) > (_moment(submitted_at), _uuid(last_id))
        )
    rows = (
        await db.execute(
            select(*_SUBMISSION_FIELDS)
            .where(and_(*conditions))
            .order_by(SUBMISSIONS.c.submitted_at, SUBMISSIONS.c.id)
            .limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    me = privacy.person_id_of(caller)
    notes = await _notes(db, submission_ids=[row.id for row in page], reader=me)
    items = []
    for row in page:
        viewer = privacy.viewer_of(
            caller, respondent_id=row.respondent_id, mentor_id=match.mentor_id, mentee_id=match.mentee_id
        )
        if viewer is not None:
            items.append(privacy.submission_view(row._asdict(), notes.get(row.id, []), viewer))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.submitted_at.isoformat(), str(last.id))
    return items, next_cursor


# --- health ------------------------------------------------------------------------------------


async def health_for(db: Executor, *, organization: str, match_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(HEALTH).where(HEALTH.c.match_id == match_id, HEALTH.c.organization == organization)
        )
    ).first()
    if row is None or row.score is None:
        return None
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


async def list_at_risk(
    db: Executor, *, organization: str, program_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    mentor = PEOPLE.alias("mentor")
    mentee = PEOPLE.alias("mentee")
    conditions: list[Any] = [
        HEALTH.c.program_id == program_id,
        HEALTH.c.organization == organization,
        HEALTH.c.at_risk.is_(True),
    ]
    if cursor is not None:
        since, last_id = decode_cursor(cursor, arity=2)
        conditions.append(
            tuple_(HEALTH.c.at_risk_since, HEALTH.c.match_id) > (_moment(since), _uuid(last_id))
        )
    rows = (
        await db.execute(
            select(
                HEALTH.c.match_id,
                HEALTH.c.score,
                HEALTH.c.threshold,
                HEALTH.c.reasons,
                HEALTH.c.at_risk_since,
                MATCHES.c.mentor_id,
                MATCHES.c.mentee_id,
                mentor.c.name.label("mentor_name"),
                mentee.c.name.label("mentee_name"),
            )
            .join(MATCHES, MATCHES.c.id == HEALTH.c.match_id)
            .outerjoin(mentor, mentor.c.id == MATCHES.c.mentor_id)
            .outerjoin(mentee, mentee.c.id == MATCHES.c.mentee_id)
            .where(and_(*conditions))
            .order_by(HEALTH.c.at_risk_since, HEALTH.c.match_id)
            .limit(limit + 1)
        )
    ).all()
    items = [row._asdict() for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.at_risk_since.isoformat(), str(last.match_id))
    return items, next_cursor
