"""Sessions: list and read them, move, cancel, complete, report a no-show; one session as .ics."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Query, Response
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.calendar_entries import calendar_entries
from scheduling.calendars import render_calendar
from scheduling.documents import calendar_response, session_document
from scheduling.models import Session
from scheduling.schemas import (
    SessionCancellation,
    SessionCompletion,
    SessionMove,
    SessionNoShowReport,
    SessionOut,
    SessionPage,
)
from scheduling.service import lifecycle
from scheduling.service.blocked_time import participants_of
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.contracts.scheduling import SessionStatus
from shared.dependencies import Caller, Reader, Writer
from shared.errors import invalid_field, not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from shared.routing import Routes

router = Routes("sessions", "Booked sessions and their lifecycle")

Change = Callable[[AsyncSession], Awaitable[lifecycle.Changed]]


@router.reads("/sessions", SessionPage, 400)
async def list_sessions(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    match_id: Annotated[uuid.UUID | None, Query(description="Sessions of this match")] = None,
    mentorship_id: Annotated[
        uuid.UUID | None, Query(deprecated=True, description="Deprecated: the same as `match_id`")
    ] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="Sessions of this person")] = None,
    status: SessionStatus | None = None,
    starts_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    starts_before: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Response:
    """List sessions in start order (yours; admins: the organization's)"""
    if match_id is not None and mentorship_id is not None and match_id != mentorship_id:
        raise invalid_field(
            "query.mentorship_id", "names another match than `match_id`; give only `match_id`"
        )
    rows, next_cursor = await queries.sessions_page(
        db,
        organization=caller.organization,
        viewer=access.viewer_of(caller),
        match_id=match_id or mentorship_id,
        person_id=person_id,
        status=status.value if status else None,
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        cursor=cursor,
    )
    zones = await queries.zones_of(db, [person for row in rows for person in participants_of(row)])
    return page_response([session_document(row, zones) for row in rows], next_cursor)


async def _visible_session(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> Session:
    row = await queries.session_for(db, organization=caller.organization, session_id=session_id)
    if row is None or not access.may_view(caller, row):
        raise not_found("session")
    return row


@router.reads("/sessions/{session_id}", SessionOut, 404)
async def get_session(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A session"""
    row = await _visible_session(db, caller, session_id)
    zones = await queries.zones_of(db, participants_of(row))
    return document_response(session_document(row, zones), version=row.version)


@router.reads(
    "/sessions/{session_id}/calendar.ics",
    None,
    responses={200: {"content": {"text/calendar": {}}}, **problems(404)},
    response_class=Response,
)
async def get_session_calendar(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """The session as iCalendar, in your time zone"""
    row = await _visible_session(db, caller, session_id)
    entries, people = await calendar_entries(
        db, [row], shows_email=lambda person_id: access.sees_email_of(caller, person_id)
    )
    viewer = people.get(access.person_id_of(caller) or uuid.UUID(int=0)) or people.get(row.mentor_id)
    body = render_calendar(
        entries,
        time_zone=viewer.time_zone if viewer else "UTC",
        name="Mentorship session",
        calendar_id=row.id,
    )
    return calendar_response(body, filename=f"session-{row.id}.ics")


async def _change(writer: Writer, change: Change) -> Response:
    async with writer.transaction() as session:
        row, context = await change(session)
    return document_response(session_document(row, context.zones), version=row.version)


@router.posts("/sessions/{session_id}/reschedule", SessionOut, 403, 404, 409, 412, 428)
async def reschedule_session(
    session_id: uuid.UUID, move: SessionMove, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Move a session to another slot (If-Match required; same id, higher sequence)"""
    return await _change(
        writer,
        lambda session: lifecycle.reschedule_session(
            session, caller=caller, session_id=session_id, move=move, if_match=if_match, now=utcnow()
        ),
    )


@router.posts("/sessions/{session_id}/cancel", SessionOut, 403, 404, 409, 412, 428)
async def cancel_session(
    session_id: uuid.UUID,
    cancellation: SessionCancellation,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Cancel a session with a reason (If-Match required)"""
    return await _change(
        writer,
        lambda session: lifecycle.cancel_session(
            session,
            caller=caller,
            session_id=session_id,
            reason=cancellation.reason,
            if_match=if_match,
            now=utcnow(),
        ),
    )


@router.posts("/sessions/{session_id}/complete", SessionOut, 403, 404, 409, 412, 428)
async def complete_session(
    session_id: uuid.UUID,
    caller: Caller,
    writer: Writer,
    completion: SessionCompletion | None = None,
    if_match: IfMatch = None,
) -> Response:
    """Mark a session as held (If-Match required); the next one is proposed at the cadence"""
    return await _change(
        writer,
        lambda session: lifecycle.complete_session(
            session, caller=caller, session_id=session_id, if_match=if_match, now=utcnow()
        ),
    )


@router.posts("/sessions/{session_id}/no-show", SessionOut, 403, 404, 409, 412, 428)
async def report_no_show(
    session_id: uuid.UUID,
    report: SessionNoShowReport,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Report that someone did not show up (If-Match required)"""
    return await _change(
        writer,
        lambda session: lifecycle.report_no_show(
            session,
            caller=caller,
            session_id=session_id,
            report=report,
            if_match=if_match,
            now=utcnow(),
        ),
    )
