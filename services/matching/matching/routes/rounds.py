"""Program rounds (admins): plan, review, edit, publish or discard; proposals and the waitlist."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.dependencies import Admin, PoolsDep, Reader, SettingsDep, Writer
from matching.documents import proposal_document, round_document
from matching.schemas import ProposalOut, ProposalPage, ProposalSet, RoundCreate, RoundOut, RoundPage
from matching.service import rounds
from shared.concurrency import IdempotencyKey, IfMatch
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["rounds"])


@router.post(
    "/programs/{program_id}/rounds",
    status_code=201,
    response_model=RoundOut,
    summary="Plan a program-wide round (a draft; published at once in automatic programs)",
    responses=problems(403, 404, 409),
)
async def create_round(
    program_id: uuid.UUID,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    body: RoundCreate | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        round_ = await rounds.create_round(
            session, caller=caller, program_id=program_id, body=body or RoundCreate(), settings=settings
        )
        headers = {"Location": f"/v1/rounds/{round_.id}", "ETag": f'"{round_.version}"'}
        return round_document(round_), headers

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get("/programs/{program_id}/rounds", response_model=RoundPage, summary="A program's rounds")
async def list_rounds(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    page, next_cursor = await queries.list_rounds(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response([round_document(round_) for round_ in page], next_cursor)


@router.get(
    "/rounds/{round_id}",
    response_model=RoundOut,
    summary="A round and its statistics",
    responses=problems(404),
)
async def get_round(round_id: uuid.UUID, caller: Admin, reader: Reader) -> Response:
    round_ = await queries.round_or_404(reader, caller, round_id)
    return document_response(round_document(round_), version=round_.version)


@router.get(
    "/rounds/{round_id}/proposals",
    response_model=ProposalPage,
    summary="A round's proposals; `waitlisted=true` lists the mentees without a mentor",
    responses=problems(404),
)
async def list_proposals(
    round_id: uuid.UUID,
    caller: Admin,
    reader: Reader,
    waitlisted: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    page, next_cursor = await queries.list_proposals(
        reader, caller=caller, round_id=round_id, waitlisted=waitlisted, limit=limit, cursor=cursor
    )
    return page_response([proposal_document(proposal) for proposal in page], next_cursor)


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
    writer: Writer,
    settings: SettingsDep,
    pools: PoolsDep,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
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
        document, version = proposal_document(proposal), round_.version
    return document_response(document, version=version)


@router.delete(
    "/rounds/{round_id}/proposals/{mentee_id}",
    response_model=RoundOut,
    summary="Waitlist a mentee of a draft round (If-Match: the round's ETag)",
    responses=problems(404, 409, 412, 428),
)
async def waitlist_mentee(
    round_id: uuid.UUID, mentee_id: uuid.UUID, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        round_ = await rounds.waitlist_mentee(
            session, caller=caller, round_id=round_id, mentee_id=mentee_id, if_match=if_match
        )
        document = round_document(round_)
    return document_response(document, version=document["version"])


@router.post(
    "/rounds/{round_id}/publish",
    response_model=RoundOut,
    summary="Publish a draft round: its proposals become proposed matches",
    responses=problems(404, 409, 412),
)
async def publish_round(
    round_id: uuid.UUID, caller: Admin, writer: Writer, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        round_ = await rounds.publish_round(
            session, caller=caller, round_id=round_id, if_match=if_match, settings=settings
        )
        document = round_document(round_)
    return document_response(document, version=document["version"])


@router.post(
    "/rounds/{round_id}/discard",
    response_model=RoundOut,
    summary="Discard a draft round",
    responses=problems(404, 409, 412),
)
async def discard_round(
    round_id: uuid.UUID, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        round_ = await rounds.discard_round(session, caller=caller, round_id=round_id, if_match=if_match)
        document = round_document(round_)
    return document_response(document, version=document["version"])
