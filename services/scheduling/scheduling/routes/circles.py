"""Circle sessions: common slots of all of a circle's members, booking for all of them, and each
session's lifecycle. A member sees their circle's sessions and no other circle's."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query, Response
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.group_documents import circle_people, circle_session_document, group_slot_document
from scheduling.group_queries import circle_sessions_page
from scheduling.models import CircleSession
from scheduling.schemas import (
    CircleSessionBooking,
    CircleSessionOut,
    CircleSessionPage,
    GroupSlotPage,
    SessionCancellation,
    SessionMove,
)
from scheduling.service import circle_sessions
from scheduling.service.circle_sessions import CircleContext
from shared.clock import utcnow
from shared.concurrency import IfMatch, etag
from shared.contracts.scheduling import SessionStatus
from shared.dependencies import Caller, Creation, Reader, Writer
from shared.errors import Problem, not_found
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor
from shared.responses import Created, document_response, page_response, problems
from shared.routing import Routes

router = Routes("circles", "Circle sessions: common slots of all members, booking for all")
Change = Callable[[AsyncSession], Awaitable[tuple[CircleSession, CircleContext]]]


def _window_of(cursor: str) -> tuple[datetime, datetime]:
    start_text, end_text = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


@router.reads("/circles/{circle_id}/slots", GroupSlotPage, 400, 404, 409)
async def list_circle_slots(
    circle_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    window_start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: now")] = None,
    window_end: Annotated[AwareDatetime | None, Query(alias="to", description="Default: 14 days on")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> Response:
    """Common free slots of every member of a circle, in UTC and in each member's local time"""
    if cursor is not None:
        window_start, window_end = _window_of(cursor)
    slots, context, end = await circle_sessions.find_circle_slots(
        db,
        caller=caller,
        circle_id=circle_id,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        now=utcnow(),
    )
    people = [(member.person_id, member.role) for member, _ in context.members]
    items = [group_slot_document(slot.start, slot.end, people, context.zones) for slot in slots[:limit]]
    next_cursor = None
    if len(slots) > limit:
        next_cursor = encode_cursor(slots[limit - 1].start + timedelta(seconds=1), end)
    return page_response(items, next_cursor)


@router.creates("/circles/{circle_id}/sessions", CircleSessionOut, 403, 404, 409)
async def book_circle_session(
    circle_id: uuid.UUID,
    booking: CircleSessionBooking,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Book a session for all of a circle's members in a common slot (facilitators, admins)"""

    async def create(session: AsyncSession) -> Created:
        row, context = await circle_sessions.book_circle_session(
            session, caller=caller, circle_id=circle_id, booking=booking, now=utcnow()
        )
        headers = {"ETag": etag(row.version), "Location": f"/v1/circle-sessions/{row.id}"}
        return circle_session_document(row, context.zones), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/circle-sessions", CircleSessionPage, 400)
async def list_circle_sessions(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    circle_id: uuid.UUID | None = None,
    status: SessionStatus | None = None,
    starts_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    starts_before: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Response:
    """Circle sessions in start order (yours; admins: the organization's)"""
    rows, next_cursor = await circle_sessions_page(
        db,
        organization=caller.organization,
        viewer=access.viewer_of(caller),
        circle_id=circle_id,
        status=status.value if status else None,
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        cursor=cursor,
    )
    zones = await queries.zones_of(db, [person for row in rows for person, _ in circle_people(row)])
    return page_response([circle_session_document(row, zones) for row in rows], next_cursor)


@router.reads("/circle-sessions/{session_id}", CircleSessionOut, 404)
async def get_circle_session(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A circle session"""
    row = await db.scalar(
        select(CircleSession).where(
            CircleSession.id == session_id, CircleSession.organization == caller.organization
        )
    )
    if row is None or not circle_sessions.may_view(caller, row):
        raise not_found("circle session")
    zones = await queries.zones_of(db, [person for person, _ in circle_people(row)])
    return document_response(circle_session_document(row, zones), version=row.version)


async def _change(writer: Writer, change: Change) -> Response:
    async with writer.transaction() as session:
        row, context = await change(session)
    return document_response(circle_session_document(row, context.zones), version=row.version)


_CHANGES = problems(403, 404, 409, 412, 428)


@router.posts("/circle-sessions/{session_id}/reschedule", CircleSessionOut, responses=_CHANGES)
async def reschedule_circle_session(
    session_id: uuid.UUID, move: SessionMove, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Move a circle session to another common slot (If-Match required)"""
    return await _change(
        writer,
        lambda session: circle_sessions.reschedule_circle_session(
            session, caller=caller, session_id=session_id, move=move, if_match=if_match, now=utcnow()
        ),
    )


@router.posts("/circle-sessions/{session_id}/cancel", CircleSessionOut, responses=_CHANGES)
async def cancel_circle_session(
    session_id: uuid.UUID,
    cancellation: SessionCancellation,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Cancel a circle session for everyone, with a reason (If-Match required)"""
    return await _change(
        writer,
        lambda session: circle_sessions.cancel_circle_session(
            session,
            caller=caller,
            session_id=session_id,
            reason=cancellation.reason,
            if_match=if_match,
            now=utcnow(),
        ),
    )


@router.posts("/circle-sessions/{session_id}/complete", CircleSessionOut, responses=_CHANGES)
async def complete_circle_session(
    session_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Mark a circle session as held (If-Match required)"""
    return await _change(
        writer,
        lambda session: circle_sessions.complete_circle_session(
            session, caller=caller, session_id=session_id, if_match=if_match, now=utcnow()
        ),
    )
