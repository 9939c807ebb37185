"""Program rounds (admins): plan, review, edit, publish or discard; proposals and the waitlist."""

from __future__ import annotations

import uuid

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.dependencies import PoolsDep, SettingsDep
from matching.documents import proposal_document, round_document
from matching.schemas import ProposalOut, ProposalPage, ProposalSet, RoundCreate, RoundOut, RoundPage
from matching.service import rounds
from shared.dependencies import Admin, Change, Creation, Reader
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes

router = Routes("rounds", "Program-wide assignment under mentor capacity (admins)")


@router.creates("/programs/{program_id}/rounds", RoundOut, 403, 404, 409)
async def create_round(
    program_id: uuid.UUID,
    caller: Admin,
    creation: Creation,
    settings: SettingsDep,
    body: RoundCreate | None = None,
) -> Response:
    """Plan a program-wide round (a draft; published at once in automatic programs)"""

    async def create(session: AsyncSession) -> Created:
        round_ = await rounds.create_round(
            session, caller=caller, program_id=program_id, body=body or RoundCreate(), settings=settings
        )
        headers = {"Location": f"/v1/rounds/{round_.id}", "ETag": f'"{round_.version}"'}
        return round_document(round_), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/rounds", RoundPage)
async def list_rounds(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """A program's rounds"""
    page, next_cursor = await queries.list_rounds(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response([round_document(round_) for round_ in page], next_cursor)


@router.reads("/rounds/{round_id}", RoundOut, 404)
async def get_round(round_id: uuid.UUID, caller: Admin, reader: Reader) -> Response:
    """A round and its statistics"""
    round_ = await queries.round_or_404(reader, caller, round_id)
    return document_response(round_document(round_), version=round_.version)


@router.reads("/rounds/{round_id}/proposals", ProposalPage, 404)
async def list_proposals(
    round_id: uuid.UUID,
    caller: Admin,
    reader: Reader,
    waitlisted: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """A round's proposals; `waitlisted=true` lists the mentees without a mentor"""
    page, next_cursor = await queries.list_proposals(
        reader, caller=caller, round_id=round_id, waitlisted=waitlisted, limit=limit, cursor=cursor
    )
    return page_response([proposal_document(proposal) for proposal in page], next_cursor)


@router.puts("/rounds/{round_id}/proposals/{mentee_id}", ProposalOut, 404, 409, 412, 428)
async def set_proposal(
    round_id: uuid.UUID,
    mentee_id: uuid.UUID,
    body: ProposalSet,
    caller: Admin,
    change: Change,
    settings: SettingsDep,
    pools: PoolsDep,
) -> Response:
    """Pair a mentee with a mentor by hand (draft rounds; If-Match: the round's ETag)"""
    round_, proposal = await change.run(
        rounds.set_proposal,
        caller=caller,
        round_id=round_id,
        mentee_id=mentee_id,
        mentor_id=body.mentor_id,
        pools=pools,
        settings=settings,
    )
    document, version = proposal_document(proposal), round_.version
    return document_response(document, version=version)


@router.deletes("/rounds/{round_id}/proposals/{mentee_id}", RoundOut, 404, 409, 412, 428)
async def waitlist_mentee(
    round_id: uuid.UUID, mentee_id: uuid.UUID, caller: Admin, change: Change
) -> Response:
    """Waitlist a mentee of a draft round (If-Match: the round's ETag)"""
    round_ = await change.run(rounds.waitlist_mentee, caller=caller, round_id=round_id, mentee_id=mentee_id)
    document = round_document(round_)
    return document_response(document, version=document["version"])


@router.posts("/rounds/{round_id}/publish", RoundOut, 404, 409, 412)
async def publish_round(
    round_id: uuid.UUID, caller: Admin, change: Change, settings: SettingsDep
) -> Response:
    """Publish a draft round: its proposals become proposed matches"""
    round_ = await change.run(rounds.publish_round, caller=caller, round_id=round_id, settings=settings)
    document = round_document(round_)
    return document_response(document, version=document["version"])


@router.posts("/rounds/{round_id}/discard", RoundOut, 404, 409, 412)
async def discard_round(round_id: uuid.UUID, caller: Admin, change: Change) -> Response:
    """Discard a draft round"""
    round_ = await change.run(rounds.discard_round, caller=caller, round_id=round_id)
    document = round_document(round_)
    return document_response(document, version=document["version"])
