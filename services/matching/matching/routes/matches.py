"""Matches: mentee requests, acceptance, decline, activation, end; listing and reading."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.dependencies import PoolsDep, SettingsDep
from matching.documents import match_document
from matching.lifecycle import Action
from matching.schemas import MatchEnd, MatchOut, MatchPage, MatchRequestCreate
from matching.service import matches
from shared.contracts.matching import MatchStatus
from shared.dependencies import Caller, Change, Creation, Reader
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.routing import Routes

router = Routes("matches", "Requests and matches through their lifecycle")


@router.creates("/programs/{program_id}/requests", MatchOut, 403, 404, 409)
async def request_mentor(
    program_id: uuid.UUID,
    body: MatchRequestCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
    pools: PoolsDep,
) -> Response:
    """Request a mentor (mentee-choice programs); the mentor accepts or declines before it expires"""

    async def create(session: AsyncSession) -> Created:
        match = await matches.request_mentor(
            session, caller=caller, program_id=program_id, body=body, pools=pools, settings=settings
        )
        return match_document(match), {"Location": f"/v1/matches/{match.id}", "ETag": f'"{match.version}"'}

    return await creation.run(caller=caller, create=create)


@router.reads("/matches", MatchPage)
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
    """The caller's matches (an admin's: the organization's)"""
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


@router.reads("/matches/{match_id}", MatchOut, 404)
async def get_match(match_id: uuid.UUID, caller: Caller, reader: Reader) -> Response:
    """A match"""
    match = await queries.match_or_404(reader, caller, match_id)
    return document_response(match_document(match), version=match.version)


async def _act(
    change: Change,
    caller: Caller,
    match_id: uuid.UUID,
    action: Action,
    body: MatchEnd | None = None,
) -> Response:
    match = await change.run(
        matches.act, caller=caller, match_id=match_id, action=action, end_reason=body.reason if body else None
    )
    document = match_document(match)
    return document_response(document, version=document["version"])


_ACTION_PROBLEMS = problems(403, 404, 409, 412)


@router.posts("/matches/{match_id}/accept", MatchOut, responses=_ACTION_PROBLEMS)
async def accept(match_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Accept: a request by its mentor; a proposal by both participants (or an admin)"""
    return await _act(change, caller, match_id, Action.ACCEPT)


@router.posts("/matches/{match_id}/decline", MatchOut, responses=_ACTION_PROBLEMS)
async def decline(match_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Decline a request or proposal"""
    return await _act(change, caller, match_id, Action.DECLINE)


@router.posts("/matches/{match_id}/activate", MatchOut, responses=_ACTION_PROBLEMS)
async def activate(match_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Start an accepted match (the worker does it when the cohort starts)"""
    return await _act(change, caller, match_id, Action.ACTIVATE)


@router.posts("/matches/{match_id}/end", MatchOut, responses=_ACTION_PROBLEMS)
async def end(
    match_id: uuid.UUID,
    caller: Caller,
    change: Change,
    body: MatchEnd | None = None,
) -> Response:
    """End a match, with a reason"""
    return await _act(change, caller, match_id, Action.END, body)
