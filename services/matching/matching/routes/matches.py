"""Matches: mentee requests, acceptance, decline, activation, end; listing and reading."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.dependencies import Caller, PoolsDep, Reader, SettingsDep, Writer
from matching.documents import match_document
from matching.lifecycle import Action
from matching.schemas import MatchEnd, MatchOut, MatchPage, MatchRequestCreate
from matching.service import matches
from shared.concurrency import IdempotencyKey, IfMatch
from shared.contracts.matching import MatchStatus
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["matches"])


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
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    pools: PoolsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        match = await matches.request_mentor(
            session, caller=caller, program_id=program_id, body=body, pools=pools, settings=settings
        )
        return match_document(match), {"Location": f"/v1/matches/{match.id}", "ETag": f'"{match.version}"'}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/matches", response_model=MatchPage, summary="The caller's matches (an admin's: the organization's)"
)
async def list_matches(
    caller: Caller,
    reader: Reader,
    program_id: uuid.UUID | None = None,
    status: MatchStatus | None = None,
    person_id: Annotated[uuid.UUID | None, Query(description="As mentee or mentor")] = None,
    round_id: uuid.UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    page, next_cursor = await queries.list_matches(
        reader,
        caller=caller,
        program_id=program_id,
        status=status,
        person_id=person_id,
        round_id=round_id,
        limit=limit,
        cursor=cursor,
    )
    return page_response([match_document(match) for match in page], next_cursor)


@router.get("/matches/{match_id}", response_model=MatchOut, summary="A match", responses=problems(404))
async def get_match(match_id: uuid.UUID, caller: Caller, reader: Reader) -> Response:
    match = await queries.match_or_404(reader, caller, match_id)
    return document_response(match_document(match), version=match.version)


async def _act(
    writer: Writer,
    caller: Caller,
    match_id: uuid.UUID,
    action: Action,
    if_match: str | None,
    body: MatchEnd | None = None,
) -> Response:
    async with writer.transaction() as session:
        match = await matches.act(
            session,
            caller=caller,
            match_id=match_id,
            action=action,
            if_match=if_match,
            end_reason=body.reason if body else None,
        )
        document = match_document(match)
    return document_response(document, version=document["version"])


_ACTION_PROBLEMS = problems(403, 404, 409, 412)


@router.post(
    "/matches/{match_id}/accept",
    response_model=MatchOut,
    summary="Accept: a request by its mentor; a proposal by both participants (or an admin)",
    responses=_ACTION_PROBLEMS,
)
async def accept(match_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None) -> Response:
    return await _act(writer, caller, match_id, Action.ACCEPT, if_match)


@router.post(
    "/matches/{match_id}/decline",
    response_model=MatchOut,
    summary="Decline a request or proposal",
    responses=_ACTION_PROBLEMS,
)
async def decline(match_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None) -> Response:
    return await _act(writer, caller, match_id, Action.DECLINE, if_match)


@router.post(
    "/matches/{match_id}/activate",
    response_model=MatchOut,
    summary="Start an accepted match (the worker does it when the cohort starts)",
    responses=_ACTION_PROBLEMS,
)
async def activate(match_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None) -> Response:
    return await _act(writer, caller, match_id, Action.ACTIVATE, if_match)


@router.post(
    "/matches/{match_id}/end",
    response_model=MatchOut,
    summary="End a match, with a reason",
    responses=_ACTION_PROBLEMS,
)
async def end(
    match_id: uuid.UUID,
    caller: Caller,
    writer: Writer,
    body: MatchEnd | None = None,
    if_match: IfMatch = None,
) -> Response:
    return await _act(writer, caller, match_id, Action.END, if_match, body)
