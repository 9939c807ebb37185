"""Matches (accepted by matching): their cadence, common slots, and booking sessions in them (and
facilitated check-ins: a program admin with the pair, in the common slots of all three).

Every path answers under `/v1/matches/...` and, deprecated, under its first name `/v1/mentorships/...`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query, Response
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.documents import match_document, proposal_document, session_document
from scheduling.schemas import MatchOut, MatchPage, ProposedNext, SessionBooking, SessionOut, SlotPage
from scheduling.service import bookings
from scheduling.service.blocked_time import participants_of
from scheduling.service.matches import visible_match
from scheduling.slot_search import find_slots
from shared.clock import utcnow
from shared.concurrency import etag
from shared.dependencies import Caller, Creation, Reader
from shared.errors import Problem, not_found
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor
from shared.responses import Created, document_response, found, page_response, problems
from shared.routing import Routes, route

router = Routes(
    "matches",
    "Matches (accepted by matching): cadence, slots, booking. "
    "`/v1/mentorships/...` is the deprecated name of `/v1/matches/...`",
)
Handler = TypeVar("Handler", bound=Callable[..., Any])


def _route(method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
    """`/v1/matches{path}`, and its deprecated alias `/v1/mentorships{path}`."""
    return route(router, method, f"/matches{path}", deprecated_paths=[f"/mentorships{path}"], **options)


@_route(
    "GET",
    "",
    response_model=MatchPage,
    summary="List matches (yours; admins: the organization's), e.g. those that missed their cadence",
    responses=problems(400),
)
async def list_matches(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Literal["active", "ended"] | None = None,
    cadence: Annotated[
        Literal["missed"] | None,
        Query(description="`missed`: active matches with no session within their cadence and none booked"),
    ] = None,
) -> Response:
    now = utcnow()
    policy = await queries.policy_of(db, caller.organization)
    grace = timedelta(days=policy.cadence_grace_days)
    rows, next_cursor = await queries.matches_page(
        db,
        organization=caller.organization,
        viewer=access.viewer_of(caller),
        now=now,
        grace=grace,
        status=status,
        missed_only=cadence == "missed",
        limit=limit,
        cursor=cursor,
    )
    proposals = await queries.proposals_for(db, [row.id for row in rows])
    zones = await queries.zones_of(db, [person for row in rows for person in (row.mentor_id, row.mentee_id)])
    items = [
        match_document(row, proposal=proposals.get(row.id), zones=zones, now=now, grace=grace) for row in rows
    ]
    return page_response(items, next_cursor)


@_route(
    "GET",
    "/{match_id}",
    response_model=MatchOut,
    summary="A match with its cadence status and the proposed next session",
    responses=problems(404),
)
async def get_match(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    now = utcnow()
    policy = await queries.policy_of(db, caller.organization)
    grace = timedelta(days=policy.cadence_grace_days)
    row = await queries.match_row(
        db, organization=caller.organization, match_id=match_id, now=now, grace=grace
    )
    if row is None or not access.may_view(caller, row):
        raise not_found("match")
    proposal = await queries.proposal_for(db, match_id)
    zones = await queries.zones_of(db, [row.mentor_id, row.mentee_id])
    return document_response(match_document(row, proposal=proposal, zones=zones, now=now, grace=grace))


@_route(
    "GET",
    "/{match_id}/proposed-session",
    response_model=ProposedNext,
    summary="The next session the cadence proposes (after the last completed one)",
    responses=problems(404),
)
async def get_proposed_session(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    context = await visible_match(db, caller=caller, match_id=match_id)
    proposal = found(await queries.proposal_for(db, match_id), "proposed session")
    match = context.match
    return document_response(
        proposal_document(proposal, mentor_id=match.mentor_id, mentee_id=match.mentee_id, zones=context.zones)
    )


def _window_of(cursor: str) -> tuple[datetime, datetime]:
    """The rest of a slot window a cursor carries (so a page never shifts the window)."""
    start_text, end_text = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


@_route(
    "GET",
    "/{match_id}/slots",
    response_model=SlotPage,
    summary="Common free slots of mentor and mentee, in UTC and in each one's local time",
    responses=problems(400, 404, 409),
)
async def list_slots(
    match_id: uuid.UUID,
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
        window_start, window_end = _window_of(cursor)
    page = await find_slots(
        db,
        caller=caller,
        match_id=match_id,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        now=utcnow(),
    )
    next_cursor = encode_cursor(page.next_start, page.window_end) if page.next_start else None
    return page_response(page.items, next_cursor)


@_route(
    "POST",
    "/{match_id}/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Book a session in a common slot (409 if someone else just took it, or while the program "
    "requires an agreement the pair has not both signed: `agreement-required`)",
    responses=problems(403, 404, 409),
)
async def book_session(
    match_id: uuid.UUID,
    booking: SessionBooking,
    caller: Caller,
    creation: Creation,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        row, context = await bookings.book_session(
            session, caller=caller, match_id=match_id, booking=booking, now=utcnow()
        )
        headers = {"ETag": etag(row.version), "Location": f"/v1/sessions/{row.id}"}
        return session_document(row, context.zones), headers

    return await creation.run(caller=caller, create=create)


@_route(
    "GET",
    "/{match_id}/check-in-slots",
    response_model=SlotPage,
    summary="Common free slots of mentor, mentee and you, for a facilitated check-in (admins)",
    responses=problems(400, 403, 404, 409),
)
async def list_check_in_slots(
    match_id: uuid.UUID,
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
        window_start, window_end = _window_of(cursor)
    page = await find_slots(
        db,
        caller=caller,
        match_id=match_id,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        now=utcnow(),
        facilitated=True,
    )
    next_cursor = encode_cursor(page.next_start, page.window_end) if page.next_start else None
    return page_response(page.items, next_cursor)


@_route(
    "POST",
    "/{match_id}/check-ins",
    status_code=201,
    response_model=SessionOut,
    summary="Open a facilitated check-in with the pair: a three-way session in a common slot of all "
    "three (admins; 409 if someone just took it)",
    responses=problems(403, 404, 409, 422),
)
async def book_check_in(
    match_id: uuid.UUID,
    booking: SessionBooking,
    caller: Caller,
    creation: Creation,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        row, _ = await bookings.book_session(
            session, caller=caller, match_id=match_id, booking=booking, now=utcnow(), facilitated=True
        )
        zones = await queries.zones_of(session, participants_of(row))
        headers = {"ETag": etag(row.version), "Location": f"/v1/sessions/{row.id}"}
        return session_document(row, zones), headers

    return await creation.run(caller=caller, create=create)
