"""Mentorships (accepted matches): their cadence, common slots, and booking sessions in them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries, service
from scheduling.dependencies import Caller, Reader, RuntimeDep
from scheduling.documents import mentorship_document, proposal_document, session_document
from scheduling.schemas import (
    MentorshipOut,
    MentorshipPage,
    ProposedNext,
    SessionBooking,
    SessionOut,
    SlotPage,
)
from scheduling.slot_search import find_slots
from scheduling.web import (
    Created,
    create_idempotently,
    document_response,
    page_response,
    problems,
)
from shared.concurrency import IdempotencyKey, etag
from shared.errors import Problem, not_found
from shared.pagination import Cursor, Limit, after_time_cursor, decode_cursor, encode_cursor, time_cursor

router = APIRouter(prefix="/v1", tags=["mentorships"])


@router.get(
    "/mentorships",
    response_model=MentorshipPage,
    summary="List mentorships (yours; admins: the organization's), e.g. those that missed their cadence",
    responses=problems(400),
)
async def list_mentorships(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Literal["active", "ended"] | None = None,
    cadence: Annotated[
        Literal["missed"] | None,
        Query(
            description="`missed`: active mentorships with no session within their cadence and none booked"
        ),
    ] = None,
) -> Response:
    now = service.now_utc()
    policy = await queries.policy_of(db, caller.organization)
    grace = timedelta(days=policy.cadence_grace_days)
    rows = await queries.list_mentorships(
        db,
        organization=caller.organization,
        viewer=None if access.sees_organization(caller) else access.person_id_of(caller) or uuid.UUID(int=0),
        now=now,
        grace=grace,
        status=status,
        missed_only=cadence == "missed",
        limit=limit,
        after=after_time_cursor(cursor),
    )
    page = rows[:limit]
    proposals = await queries.proposals_for(db, [row.id for row in page])
    zones = await queries.zones_of(db, [person for row in page for person in (row.mentor_id, row.mentee_id)])
    items = [
        mentorship_document(row, proposal=proposals.get(row.id), zones=zones, now=now, grace=grace)
        for row in page
    ]
    next_cursor = time_cursor(page[-1].started_at, page[-1].id) if len(rows) > limit else None
    return page_response(items, next_cursor)


@router.get(
    "/mentorships/{mentorship_id}",
    response_model=MentorshipOut,
    summary="A mentorship with its cadence status and the proposed next session",
    responses=problems(404),
)
async def get_mentorship(mentorship_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    now = service.now_utc()
    policy = await queries.policy_of(db, caller.organization)
    grace = timedelta(days=policy.cadence_grace_days)
    row = await queries.mentorship_row(
        db, organization=caller.organization, mentorship_id=mentorship_id, now=now, grace=grace
    )
    if row is None or not access.may_view(caller, row):
        raise not_found("mentorship")
    proposal = await queries.proposal_for(db, mentorship_id)
    zones = await queries.zones_of(db, [row.mentor_id, row.mentee_id])
    return document_response(mentorship_document(row, proposal=proposal, zones=zones, now=now, grace=grace))


@router.get(
    "/mentorships/{mentorship_id}/proposed-session",
    response_model=ProposedNext,
    summary="The next session the cadence proposes (after the last completed one)",
    responses=problems(404),
)
async def get_proposed_session(mentorship_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    context = await service.visible_context(db, caller=caller, mentorship_id=mentorship_id)
    proposal = await queries.proposal_for(db, mentorship_id)
    if proposal is None:
        raise not_found("proposed session")
    mentorship = context.mentorship
    return document_response(
        proposal_document(
            proposal, mentor_id=mentorship.mentor_id, mentee_id=mentorship.mentee_id, zones=context.zones
        )
    )


@router.get(
    "/mentorships/{mentorship_id}/slots",
    response_model=SlotPage,
    summary="Common free slots of mentor and mentee, in UTC and in each one's local time",
    responses=problems(400, 404, 409),
)
async def list_slots(
    mentorship_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    window_start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: now")] = None,
    window_end: Annotated[
        AwareDatetime | None, Query(alias="to", description="Default: 14 days after `from`")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> Response:
    if cursor is not None:
        # The cursor carries the whole rest of the window, so a page never shifts it.
        start_text, end_text = decode_cursor(cursor, arity=2)
        try:
            window_start, window_end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        except (TypeError, ValueError) as exc:
            raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc
    page = await find_slots(
        db,
        caller=caller,
        mentorship_id=mentorship_id,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        now=service.now_utc(),
    )
    next_cursor = (
        encode_cursor(page.next_start.isoformat(), page.window_end.isoformat()) if page.next_start else None
    )
    return page_response(page.items, next_cursor)


@router.post(
    "/mentorships/{mentorship_id}/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Book a session in a common slot (409 if someone else just took it)",
    responses=problems(403, 404, 409),
)
async def book_session(
    mentorship_id: uuid.UUID,
    booking: SessionBooking,
    request: Request,
    caller: Caller,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        row, context = await service.book_session(
            session, caller=caller, mentorship_id=mentorship_id, booking=booking, now=service.now_utc()
        )
        headers = {"ETag": etag(row.version), "Location": f"/v1/sessions/{row.id}"}
        return session_document(row, context.zones), headers

    return await create_idempotently(
        request, runtime=runtime, caller=caller, key=idempotency_key, create=create
    )
