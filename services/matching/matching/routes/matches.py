"""Matches: mentee requests, acceptance, decline, activation, end; listing and reading."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import service
from matching.dependencies import Caller, PoolsDep, RuntimeDep, SettingsDep
from matching.lifecycle import Action
from matching.models import Match
from matching.schemas import MatchEnd, MatchOut, MatchPage, MatchRequestCreate
from matching.web import Created, create_idempotently, json_response, problems
from shared.concurrency import IdempotencyKey, IfMatch
from shared.contracts.matching import MatchStatus
from shared.db import transaction
from shared.pagination import Cursor, Limit

router = APIRouter(prefix="/v1", tags=["matches"])


def _out(match: Match) -> MatchOut:
    return MatchOut.model_validate(match)


@router.post(
    "/programs/{program_id}/requests",
    status_code=201,
    response_model=MatchOut,
    summary="Request a mentor (mentee-choice programs); the mentor accepts or declines before it expires",
    responses=problems(403, 404, 409),
)
async def request_mentor(
    program_id: uuid.UUID,
    body: MatchRequestCreate,
    request: Request,
    caller: Caller,
    runtime: RuntimeDep,
    settings: SettingsDep,
    pools: PoolsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        match = await service.request_mentor(
            session, caller=caller, program_id=program_id, body=body, pools=pools, settings=settings
        )
        return _out(match), {"Location": f"/v1/matches/{match.id}", "ETag": f'"{match.version}"'}

    return await create_idempotently(
        request, runtime=runtime, caller=caller, key=idempotency_key, create=create
    )


@router.get(
    "/matches", response_model=MatchPage, summary="The caller's matches (an admin's: the organization's)"
)
async def list_matches(
    caller: Caller,
    runtime: RuntimeDep,
    program_id: uuid.UUID | None = None,
    status: MatchStatus | None = None,
    person_id: Annotated[uuid.UUID | None, Query(description="As mentee or mentor")] = None,
    round_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    async with transaction(runtime.sessions) as session:
        page, next_cursor = await service.list_matches(
            session,
            caller=caller,
            program_id=program_id,
            status=status,
            person_id=person_id,
            round_id=round_id,
            limit=limit,
            cursor=cursor,
        )
        body = MatchPage(items=[_out(match) for match in page], next_cursor=next_cursor)
    return json_response(body)


@router.get("/matches/{match_id}", response_model=MatchOut, summary="A match", responses=problems(404))
async def get_match(match_id: uuid.UUID, caller: Caller, runtime: RuntimeDep) -> Response:
    async with transaction(runtime.sessions) as session:
        match = await service.get_match(session, caller, match_id)
        body = _out(match)
    return json_response(body, version=match.version)


async def _act(
    runtime: RuntimeDep,
    caller: Caller,
    match_id: uuid.UUID,
    action: Action,
    if_match: str | None,
    body: MatchEnd | None = None,
) -> Response:
    async with transaction(runtime.sessions) as session:
        match = await service.act(
            session,
            caller=caller,
            match_id=match_id,
            action=action,
            if_match=if_match,
            end_reason=body.reason if body else None,
        )
        out = _out(match)
    return json_response(out, version=out.version)


_ACTION_PROBLEMS = problems(403, 404, 409, 412)


@router.post(
    "/matches/{match_id}/accept",
    response_model=MatchOut,
    summary="Accept: a request by its mentor; a proposal by both participants (or an admin)",
    responses=_ACTION_PROBLEMS,
)
async def accept(
    match_id: uuid.UUID, caller: Caller, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    return await _act(runtime, caller, match_id, Action.ACCEPT, if_match)


@router.post(
    "/matches/{match_id}/decline",
    response_model=MatchOut,
    summary="Decline a request or proposal",
    responses=_ACTION_PROBLEMS,
)
async def decline(
    match_id: uuid.UUID, caller: Caller, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    return await _act(runtime, caller, match_id, Action.DECLINE, if_match)


@router.post(
    "/matches/{match_id}/activate",
    response_model=MatchOut,
    summary="Start an accepted match (the worker does it when the cohort starts)",
    responses=_ACTION_PROBLEMS,
)
async def activate(
    match_id: uuid.UUID, caller: Caller, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    return await _act(runtime, caller, match_id, Action.ACTIVATE, if_match)


@router.post(
    "/matches/{match_id}/end",
    response_model=MatchOut,
    summary="End a match, with a reason",
    responses=_ACTION_PROBLEMS,
)
async def end(
    match_id: uuid.UUID,
    caller: Caller,
    runtime: RuntimeDep,
    body: MatchEnd | None = None,
    if_match: IfMatch = None,
) -> Response:
    return await _act(runtime, caller, match_id, Action.END, if_match, body)
