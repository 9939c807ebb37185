"""Flash mentoring: mentors' office hours, mentees browsing mentors by skill and booking one slot,
each flash session's lifecycle, and turning one into a long-term match when both agree."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.group_documents import flash_session_document, flash_slot_document, office_hours_document
from scheduling.group_queries import flash_sessions_page, office_hours_of
from scheduling.models import FlashSession
from scheduling.schemas import (
    FlashBooking,
    FlashFollowUp,
    FlashMentorPage,
    FlashSessionOut,
    FlashSessionPage,
    OfficeHoursCreate,
    OfficeHoursOut,
    SessionCancellation,
)
from scheduling.service import flash
from shared.clock import utcnow
from shared.concurrency import IfMatch, etag
from shared.contracts.scheduling import SessionStatus
from shared.dependencies import Caller, Creation, Reader, Writer
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.routing import Routes

router = Routes("flash mentoring", "Office hours, mentors by skill, single sessions within a monthly limit")


@router.creates("/programs/{program_id}/office-hours", OfficeHoursOut, 403, 404, 409)
async def publish_office_hours(
    program_id: uuid.UUID,
    body: OfficeHoursCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Publish weekly office hours in your own time zone (a flash program's mentors)"""

    async def create(session: AsyncSession) -> Created:
        hours = await flash.publish_office_hours(
            session, caller=caller, program_id=program_id, body=body, now=utcnow()
        )
        zones = await queries.zones_of(session, [hours.mentor_id])
        headers = {"ETag": etag(hours.version), "Location": f"/v1/programs/{program_id}/office-hours"}
        return office_hours_document(hours, zones.get(hours.mentor_id)), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/office-hours", list[OfficeHoursOut], 404, 409)
async def list_office_hours(
    program_id: uuid.UUID, caller: Caller, db: Reader, mentor_id: uuid.UUID | None = None
) -> Response:
    """A flash program's office hours (of one mentor with `mentor_id`)"""
    await flash.flash_program(db, caller, program_id)
    rows = await office_hours_of(
        db, organization=caller.organization, program_id=program_id, mentor_id=mentor_id
    )
    zones = await queries.zones_of(db, [row.mentor_id for row in rows])
    return document_response([office_hours_document(row, zones.get(row.mentor_id)) for row in rows])


@router.posts("/office-hours/{hours_id}/withdraw", OfficeHoursOut, 404, 412, 428)
async def withdraw_office_hours(
    hours_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Withdraw office hours: no new bookings, booked sessions stay (If-Match required)"""
    async with writer.transaction() as session:
        hours = await flash.withdraw_office_hours(
            session, caller=caller, hours_id=hours_id, if_match=if_match, now=utcnow()
        )
        zones = await queries.zones_of(session, [hours.mentor_id])
    return document_response(office_hours_document(hours, zones.get(hours.mentor_id)), version=hours.version)


@router.reads("/programs/{program_id}/flash-mentors", FlashMentorPage, 404, 409)
async def list_flash_mentors(
    program_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    skill: Annotated[str | None, Query(max_length=64, description="A skill slug, e.g. pytorch")] = None,
) -> Response:
    """A flash program's mentors with office hours (with `skill`: those who have it, most expert first), what
    they still offer this month and their next free slots
    """
    found = await flash.flash_mentors(db, caller=caller, program_id=program_id, skill=skill, now=utcnow())
    zones = await queries.zones_of(db, [item["mentor"].id for item in found])
    items = [
        {
            "mentor_id": item["mentor"].id,
            "name": item["mentor"].name,
            "time_zone": item["mentor"].time_zone,
            "level": item["level"],
            "sessions_left_this_month": item["sessions_left_this_month"],
            "next_slots": [flash_slot_document(slot, item["mentor"].id, zones) for slot in item["slots"]],
        }
        for item in found
    ]
    return document_response({"items": items})


@router.creates("/programs/{program_id}/flash-sessions", FlashSessionOut, 403, 404, 409)
async def book_flash_session(
    program_id: uuid.UUID,
    booking: FlashBooking,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Book one flash slot of a mentor (409 when it was just taken or the mentor's month is full)"""

    async def create(session: AsyncSession) -> Created:
        row = await flash.book_flash_session(
            session, caller=caller, program_id=program_id, booking=booking, now=utcnow()
        )
        zones = await queries.zones_of(session, [row.mentor_id, row.mentee_id])
        headers = {"ETag": etag(row.version), "Location": f"/v1/flash-sessions/{row.id}"}
        return flash_session_document(row, zones), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/flash-sessions", FlashSessionPage, 400)
async def list_flash_sessions(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    program_id: uuid.UUID | None = None,
    status: SessionStatus | None = None,
) -> Response:
    """Flash sessions in start order (yours; admins: the organization's)"""
    rows, next_cursor = await flash_sessions_page(
        db,
        organization=caller.organization,
        viewer=access.viewer_of(caller),
        program_id=program_id,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    zones = await queries.zones_of(db, [person for row in rows for person in (row.mentor_id, row.mentee_id)])
    return page_response([flash_session_document(row, zones) for row in rows], next_cursor)


@router.reads("/flash-sessions/{session_id}", FlashSessionOut, 404)
async def get_flash_session(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A flash session"""
    row = await db.scalar(
        select(FlashSession).where(
            FlashSession.id == session_id, FlashSession.organization == caller.organization
        )
    )
    if row is None or not flash.may_view(caller, row):
        raise not_found("flash session")
    zones = await queries.zones_of(db, [row.mentor_id, row.mentee_id])
    return document_response(flash_session_document(row, zones), version=row.version)


async def _answer(session: AsyncSession, row: FlashSession) -> Response:
    zones = await queries.zones_of(session, [row.mentor_id, row.mentee_id])
    return document_response(flash_session_document(row, zones), version=row.version)


_CHANGES = problems(403, 404, 409, 412, 428)


@router.posts("/flash-sessions/{session_id}/cancel", FlashSessionOut, responses=_CHANGES)
async def cancel_flash_session(
    session_id: uuid.UUID,
    cancellation: SessionCancellation,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Cancel a flash session: its slot and its place in the mentor's month are free (If-Match)"""
    async with writer.transaction() as session:
        row = await flash.cancel_flash_session(
            session,
            caller=caller,
            session_id=session_id,
            reason=cancellation.reason,
            if_match=if_match,
            now=utcnow(),
        )
        return await _answer(session, row)


@router.posts("/flash-sessions/{session_id}/complete", FlashSessionOut, responses=_CHANGES)
async def complete_flash_session(
    session_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Mark a flash session as held (If-Match required)"""
    async with writer.transaction() as session:
        row = await flash.complete_flash_session(
            session, caller=caller, session_id=session_id, if_match=if_match, now=utcnow()
        )
        return await _answer(session, row)


@router.posts(
    "/flash-sessions/{session_id}/continue", FlashSessionOut, responses={**_CHANGES, **problems(422)}
)
async def continue_flash_session(
    session_id: uuid.UUID, body: FlashFollowUp, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Agree to continue as a long-term match in a one-to-one program; once mentor and mentee both agreed,
    matching makes the match (If-Match required)
    """
    async with writer.transaction() as session:
        row, _ = await flash.agree_to_continue(
            session,
            caller=caller,
            session_id=session_id,
            program_id=body.program_id,
            if_match=if_match,
            now=utcnow(),
        )
        return await _answer(session, row)
