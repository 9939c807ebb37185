"""Circles (circle-format programs): rounds that form them (admins), the admin's answer, members
leaving, ending; a member sees their own circles, admins every circle of the organization."""

from __future__ import annotations

import uuid

from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching import circle_queries
from matching.dependencies import SettingsDep
from matching.documents import audit_document, circle_document, circle_round_document
from matching.models import Circle
from matching.routes.audit import record_fairness_read
from matching.schemas import AuditOut, CircleOut, CirclePage, CircleRoundOut, CircleRoundPage, MatchEnd
from matching.service import circles
from shared.contracts.matching import CircleState, CircleStatus
from shared.dependencies import Admin, Caller, Change, Creation, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.routing import Routes

router = Routes(
    "circles", "Circle programs: groups of mentees with facilitators, formed by rounds, explained"
)


async def _circles_of(session: AsyncSession, round_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(Circle.round_id == round_id)) or 0)


@router.creates("/programs/{program_id}/circle-rounds", CircleRoundOut, 403, 404, 409)
async def create_circle_round(
    program_id: uuid.UUID,
    caller: Admin,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Form circles of the mentees in none yet (circle programs; accepted at once if automatic)"""

    async def create(session: AsyncSession) -> Created:
        round_, formed = await circles.create_circle_round(
            session, caller=caller, program_id=program_id, settings=settings
        )
        document = circle_round_document(round_, circles=len(formed))
        return document, {"Location": f"/v1/circle-rounds/{round_.id}"}

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/circle-rounds", CircleRoundPage)
async def list_circle_rounds(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """A program's circle rounds"""
    page, next_cursor = await circle_queries.list_circle_rounds(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    items = [circle_round_document(row, circles=await _circles_of(reader, row.id)) for row in page]
    return page_response(items, next_cursor)


@router.reads("/circle-rounds/{round_id}", CircleRoundOut, 404)
async def get_circle_round(round_id: uuid.UUID, caller: Admin, reader: Reader) -> Response:
    """A circle round: solver, bound and gap, time, who got no place and why"""
    round_ = await circle_queries.circle_round_or_404(reader, caller, round_id)
    return document_response(circle_round_document(round_, circles=await _circles_of(reader, round_.id)))


@router.reads("/circle-rounds/{round_id}/audit", AuditOut, 404, 409)
async def audit_circle_round(
    round_id: uuid.UUID, caller: Admin, reader: Reader, writer: Writer, settings: SettingsDep
) -> Response:
    """Fairness of who got a place in a circle round, per group (aggregates, small groups suppressed)"""
    result = await circle_queries.audit_circle_round(
        reader, caller=caller, round_id=round_id, settings=settings
    )
    await record_fairness_read(writer, caller=caller, resource_type="circle_round", resource_id=round_id)
    return document_response(audit_document(result, scope="circle_round", scope_id=round_id))


@router.reads("/circles", CirclePage)
async def list_circles(
    caller: Caller,
    reader: Reader,
    program_id: uuid.UUID | None = None,
    round_id: uuid.UUID | None = None,
    status: CircleStatus | None = None,
    person_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Your circles (an admin's: the organization's)"""
    page, next_cursor = await circle_queries.list_circles(
        reader,
        caller=caller,
        program_id=program_id,
        round_id=round_id,
        status=status,
        person_id=person_id,
        limit=limit,
        cursor=cursor,
    )
    return page_response([circle_document(state) for state in page], next_cursor)


@router.reads("/circles/{circle_id}", CircleOut, 404)
async def get_circle(circle_id: uuid.UUID, caller: Caller, reader: Reader) -> Response:
    """A circle: its facilitators and members, and why each is in it"""
    state = await circle_queries.circle_or_404(reader, caller, circle_id)
    return document_response(circle_document(state), version=state.version)


def _answer(state: CircleState) -> Response:
    return document_response(circle_document(state), version=state.version)


_CHANGE_PROBLEMS = problems(403, 404, 409, 412)


@router.posts("/circles/{circle_id}/accept", CircleOut, responses=_CHANGE_PROBLEMS)
async def accept_circle(circle_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Accept a proposed circle (admin): its facilitators' slots are taken, sessions may begin"""
    state = await change.run(circles.accept_circle, caller=caller, circle_id=circle_id)
    return _answer(state)


@router.posts("/circles/{circle_id}/decline", CircleOut, responses=_CHANGE_PROBLEMS)
async def decline_circle(circle_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Decline a proposed circle (admin): its members are free for the next round"""
    state = await change.run(circles.decline_circle, caller=caller, circle_id=circle_id)
    return _answer(state)


@router.posts("/circles/{circle_id}/end", CircleOut, responses=_CHANGE_PROBLEMS)
async def end_circle(
    circle_id: uuid.UUID,
    caller: Caller,
    change: Change,
    body: MatchEnd | None = None,
) -> Response:
    """End a circle (its facilitators or an admin), with a reason"""
    state = await change.run(
        circles.end_circle, caller=caller, circle_id=circle_id, reason=body.reason if body else None
    )
    return _answer(state)


@router.posts("/circles/{circle_id}/members/{person_id}/leave", CircleOut, responses=_CHANGE_PROBLEMS)
async def leave_circle(
    circle_id: uuid.UUID, person_id: uuid.UUID, caller: Caller, change: Change
) -> Response:
    """Leave a circle (the member themself, or an admin removing them): only that membership ends"""
    state = await change.run(circles.leave_circle, caller=caller, circle_id=circle_id, person_id=person_id)
    return _answer(state)
