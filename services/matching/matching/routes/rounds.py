"""Program rounds (admins): plan, review, edit, publish or discard; proposals and the waitlist."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import rounds
from matching.dependencies import Admin, PoolsDep, RuntimeDep, SettingsDep
from matching.models import Round, RoundProposal
from matching.schemas import ProposalOut, ProposalPage, ProposalSet, RoundCreate, RoundOut, RoundPage
from matching.web import Created, create_idempotently, json_response, problems
from shared.concurrency import IdempotencyKey, IfMatch
from shared.db import transaction
from shared.pagination import Cursor, Limit

router = APIRouter(prefix="/v1", tags=["rounds"])


def _round(round_: Round) -> RoundOut:
    return RoundOut.model_validate(round_)


def _proposal(proposal: RoundProposal) -> ProposalOut:
    return ProposalOut.model_validate(proposal)


@router.post(
    "/programs/{program_id}/rounds",
    status_code=201,
    response_model=RoundOut,
    summary="Plan a program-wide round (a draft; published at once in automatic programs)",
    responses=problems(403, 404, 409),
)
async def create_round(
    program_id: uuid.UUID,
    request: Request,
    caller: Admin,
    runtime: RuntimeDep,
    settings: SettingsDep,
    body: RoundCreate | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        round_ = await rounds.create_round(
            session, caller=caller, program_id=program_id, body=body or RoundCreate(), settings=settings
        )
        return _round(round_), {"Location": f"/v1/rounds/{round_.id}", "ETag": f'"{round_.version}"'}

    return await create_idempotently(
        request, runtime=runtime, caller=caller, key=idempotency_key, create=create
    )


@router.get("/programs/{program_id}/rounds", response_model=RoundPage, summary="A program's rounds")
async def list_rounds(
    program_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        page, next_cursor = await rounds.list_rounds(
            session, caller=caller, program_id=program_id, limit=limit, cursor=cursor
        )
        body = RoundPage(items=[_round(item) for item in page], next_cursor=next_cursor)
    return json_response(body)


@router.get(
    "/rounds/{round_id}",
    response_model=RoundOut,
    summary="A round and its statistics",
    responses=problems(404),
)
async def get_round(round_id: uuid.UUID, caller: Admin, runtime: RuntimeDep) -> Response:
    async with transaction(runtime.sessions) as session:
        body = _round(await rounds.get_round(session, caller, round_id))
    return json_response(body, version=body.version)


@router.get(
    "/rounds/{round_id}/proposals",
    response_model=ProposalPage,
    summary="A round's proposals; `waitlisted=true` lists the mentees without a mentor",
    responses=problems(404),
)
async def list_proposals(
    round_id: uuid.UUID,
    caller: Admin,
    runtime: RuntimeDep,
    waitlisted: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    async with transaction(runtime.sessions) as session:
        page, next_cursor = await rounds.list_proposals(
            session, caller=caller, round_id=round_id, waitlisted=waitlisted, limit=limit, cursor=cursor
        )
        body = ProposalPage(items=[_proposal(item) for item in page], next_cursor=next_cursor)
    return json_response(body)


@router.put(
    "/rounds/{round_id}/proposals/{mentee_id}",
    response_model=ProposalOut,
    summary="Pair a mentee with a mentor by hand (draft rounds; If-Match: the round's ETag)",
    responses=problems(404, 409, 412, 428),
)
async def set_proposal(
    round_id: uuid.UUID,
    mentee_id: uuid.UUID,
    body: ProposalSet,
    caller: Admin,
    runtime: RuntimeDep,
    settings: SettingsDep,
    pools: PoolsDep,
    if_match: IfMatch = None,
) -> Response:
    async with transaction(runtime.sessions) as session:
        round_, proposal = await rounds.set_proposal(
            session,
            caller=caller,
            round_id=round_id,
            mentee_id=mentee_id,
            mentor_id=body.mentor_id,
            if_match=if_match,
            pools=pools,
            settings=settings,
        )
        out, version = _proposal(proposal), round_.version
    return json_response(out, version=version)


@router.delete(
    "/rounds/{round_id}/proposals/{mentee_id}",
    response_model=RoundOut,
    summary="Waitlist a mentee of a draft round (If-Match: the round's ETag)",
    responses=problems(404, 409, 412, 428),
)
async def waitlist_mentee(
    round_id: uuid.UUID, mentee_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = _round(
            await rounds.waitlist_mentee(
                session, caller=caller, round_id=round_id, mentee_id=mentee_id, if_match=if_match
            )
        )
    return json_response(body, version=body.version)


@router.post(
    "/rounds/{round_id}/publish",
    response_model=RoundOut,
    summary="Publish a draft round: its proposals become proposed matches",
    responses=problems(404, 409, 412),
)
async def publish_round(
    round_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = _round(
            await rounds.publish_round(
                session, caller=caller, round_id=round_id, if_match=if_match, settings=settings
            )
        )
    return json_response(body, version=body.version)


@router.post(
    "/rounds/{round_id}/discard",
    response_model=RoundOut,
    summary="Discard a draft round",
    responses=problems(404, 409, 412),
)
async def discard_round(
    round_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = _round(
            await rounds.discard_round(session, caller=caller, round_id=round_id, if_match=if_match)
        )
    return json_response(body, version=body.version)
