"""Circles (circle-format programs): rounds that form them (admins), the admin's answer, members
leaving, ending; a member sees their own circles, admins every circle of the organization."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching import circle_queries
from matching.dependencies import Admin, Caller, Reader, SettingsDep, Writer
from matching.documents import audit_document, circle_document, circle_round_document
from matching.models import Circle
from matching.routes.audit import record_fairness_read
from matching.schemas import AuditOut, CircleOut, CirclePage, CircleRoundOut, CircleRoundPage, MatchEnd
from matching.service import circles
from shared.concurrency import IdempotencyKey, IfMatch
from shared.contracts.matching import CircleState, CircleStatus
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["circles"])


async def _circles_of(session: AsyncSession, round_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(Circle.round_id == round_id)) or 0)


@router.post(
    "/programs/{program_id}/circle-rounds",
    status_code=201,
    response_model=CircleRoundOut,
    summary="Form circles of the mentees in none yet (circle programs; accepted at once if automatic)",
    responses=problems(403, 404, 409),
)
async def create_circle_round(
    program_id: uuid.UUID,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        round_, formed = await circles.create_circle_round(
            session, caller=caller, program_id=program_id, settings=settings
        )
        document = circle_round_document(round_, circles=len(formed))
        return document, {"Location": f"/v1/circle-rounds/{round_.id}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/programs/{program_id}/circle-rounds",
    response_model=CircleRoundPage,
    summary="A program's circle rounds",
)
async def list_circle_rounds(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    page, next_cursor = await circle_queries.list_circle_rounds(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    items = [circle_round_document(row, circles=await _circles_of(reader, row.id)) for row in page]
    return page_response(items, next_cursor)


@router.get(
    "/circle-rounds/{round_id}",
    response_model=CircleRoundOut,
    summary="A circle round: solver, bound and gap, time, who got no place and why",
    responses=problems(404),
)
async def get_circle_round(round_id: uuid.UUID, caller: Admin, reader: Reader) -> Response:
    round_ = await circle_queries.circle_round_or_404(reader, caller, round_id)
    return document_response(circle_round_document(round_, circles=await _circles_of(reader, round_.id)))


@router.get(
    "/circle-rounds/{round_id}/audit",
    response_model=AuditOut,
    summary="Fairness of who got a place in a circle round, per group (aggregates, small groups suppressed)",
    responses=problems(404, 409),
)
async def audit_circle_round(
    round_id: uuid.UUID, caller: Admin, reader: Reader, writer: Writer, settings: SettingsDep
) -> Response:
    result = await circle_queries.audit_circle_round(
        reader, caller=caller, round_id=round_id, settings=settings
    )
    await record_fairness_read(writer, caller=caller, resource_type="circle_round", resource_id=round_id)
    return document_response(audit_document(result, scope="circle_round", scope_id=round_id))


@router.get("/circles", response_model=CirclePage, summary="Your circles (an admin's: the organization's)")
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


@router.get(
    "/circles/{circle_id}",
    response_model=CircleOut,
    summary="A circle: its facilitators and members, and why each is in it",
    responses=problems(404),
)
async def get_circle(circle_id: uuid.UUID, caller: Caller, reader: Reader) -> Response:
    state = await circle_queries.circle_or_404(reader, caller, circle_id)
    return document_response(circle_document(state), version=state.version)


def _answer(state: CircleState) -> Response:
    return document_response(circle_document(state), version=state.version)


_CHANGE_PROBLEMS = problems(403, 404, 409, 412)


@router.post(
    "/circles/{circle_id}/accept",
    response_model=CircleOut,
    summary="Accept a proposed circle (admin): its facilitators' slots are taken, sessions may begin",
    responses=_CHANGE_PROBLEMS,
)
async def accept_circle(
    circle_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        state = await circles.accept_circle(session, caller=caller, circle_id=circle_id, if_match=if_match)
    return _answer(state)


@router.post(
    "/circles/{circle_id}/decline",
    response_model=CircleOut,
    summary="Decline a proposed circle (admin): its members are free for the next round",
    responses=_CHANGE_PROBLEMS,
)
async def decline_circle(
    circle_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        state = await circles.decline_circle(session, caller=caller, circle_id=circle_id, if_match=if_match)
    return _answer(state)


@router.post(
    "/circles/{circle_id}/end",
    response_model=CircleOut,
    summary="End a circle (its facilitators or an admin), with a reason",
    responses=_CHANGE_PROBLEMS,
)
async def end_circle(
    circle_id: uuid.UUID,
    caller: Caller,
    writer: Writer,
    body: MatchEnd | None = None,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        state = await circles.end_circle(
            session,
            caller=caller,
            circle_id=circle_id,
            reason=body.reason if body else None,
            if_match=if_match,
        )
    return _answer(state)


@router.post(
    "/circles/{circle_id}/members/{person_id}/leave",
    response_model=CircleOut,
    summary="Leave a circle (the member themself, or an admin removing them): only that membership ends",
    responses=_CHANGE_PROBLEMS,
)
async def leave_circle(
    circle_id: uuid.UUID, person_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        state = await circles.leave_circle(
            session, caller=caller, circle_id=circle_id, person_id=person_id, if_match=if_match
        )
    return _answer(state)
