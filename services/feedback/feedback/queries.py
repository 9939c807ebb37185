"""Reads of the feedback API: every query is scoped to the caller's organization, and every list is
a keyset page (`shared.pagination.keyset_page`).

Private notes are filtered out in SQL for everyone but their author, and again by
`privacy.submission_view`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import privacy
from feedback.config import FeedbackSettings
from feedback.documents import Document, at_risk_document, health_document, request_document
from feedback.models import HEALTH, MATCHES, NOTES, PEOPLE, PROGRAMS, REQUESTS, SETTINGS, SUBMISSIONS
from feedback.privacy import Viewer
from feedback.program_settings import FeedbackRules
from shared.auth import Principal
from shared.contracts.feedback import RequestKind, RequestStatus
from shared.pagination import keyset_page

Page = tuple[list[Document], str | None]


async def program_organization(db: AsyncSession, *, program_id: uuid.UUID) -> str | None:
    """The organization of a program the service knows of (from profiles' events)."""
    return await db.scalar(select(PROGRAMS.c.organization).where(PROGRAMS.c.id == program_id))


async def rules_for(db: AsyncSession, *, program_id: uuid.UUID, settings: FeedbackSettings) -> FeedbackRules:
    """A program's feedback rules: its own settings, or the service's defaults."""
    row = (await db.execute(select(SETTINGS).where(SETTINGS.c.program_id == program_id))).first()
    return FeedbackRules.defaults(settings) if row is None else FeedbackRules.stored(row._mapping)


# --- requests ----------------------------------------------------------------------------------


async def request_for(
    db: AsyncSession, *, caller: Principal, request_id: uuid.UUID, now: datetime
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
    db: AsyncSession,
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
) -> Page:
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
    rows, next_cursor = await keyset_page(
        db,
        select(REQUESTS).where(and_(*conditions)),
        key=(REQUESTS.c.opened_at, REQUESTS.c.id),
        limit=limit,
        cursor=cursor,
    )
    return [request_document(row, now) for row in rows], next_cursor


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
    db: AsyncSession, *, submission_ids: list[uuid.UUID], reader: uuid.UUID | None
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


async def submission_for(db: AsyncSession, *, caller: Principal, submission_id: uuid.UUID) -> Document | None:
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
    db: AsyncSession, *, caller: Principal, match_id: uuid.UUID, limit: int, cursor: str | None
) -> Page | None:
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
    rows, next_cursor = await keyset_page(
        db,
        select(*_SUBMISSION_FIELDS).where(SUBMISSIONS.c.match_id == match_id),
        key=(SUBMISSIONS.c.submitted_at, SUBMISSIONS.c.id),
        limit=limit,
        cursor=cursor,
    )
    notes = await _notes(db, submission_ids=[row.id for row in rows], reader=privacy.person_id_of(caller))
    items = []
    for row in rows:
        viewer = privacy.viewer_of(
            caller, respondent_id=row.respondent_id, mentor_id=match.mentor_id, mentee_id=match.mentee_id
        )
        if viewer is not None:
            items.append(privacy.submission_view(row._asdict(), notes.get(row.id, []), viewer))
    return items, next_cursor


# --- match health ------------------------------------------------------------------------------


async def health_for(db: AsyncSession, *, organization: str, match_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(HEALTH).where(HEALTH.c.match_id == match_id, HEALTH.c.organization == organization)
        )
    ).first()
    if row is None or row.score is None:
        return None
    return health_document(row)


async def list_at_risk(
    db: AsyncSession, *, organization: str, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """The program's matches at risk, longest first."""
    mentor = PEOPLE.alias("mentor")
    mentee = PEOPLE.alias("mentee")
    query = (
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
        .where(
            HEALTH.c.program_id == program_id,
            HEALTH.c.organization == organization,
            HEALTH.c.at_risk.is_(True),
        )
    )
    rows, next_cursor = await keyset_page(
        db, query, key=(HEALTH.c.at_risk_since, HEALTH.c.match_id), limit=limit, cursor=cursor
    )
    return [at_risk_document(row) for row in rows], next_cursor
