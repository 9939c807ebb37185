"""Pairs an admin excluded from a program's matching."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.dependencies import Admin, Reader, Writer
from matching.documents import exclusion_document
from matching.schemas import ExclusionCreate, ExclusionOut, ExclusionPage
from matching.service import exclusions
from shared.concurrency import IdempotencyKey
from shared.pagination import Cursor, Limit
from shared.responses import Created, page_response, problems

router = APIRouter(prefix="/v1", tags=["exclusions"])


@router.post(
    "/programs/{program_id}/exclusions",
    status_code=201,
    response_model=ExclusionOut,
    summary="Exclude a pair (a draft round proposing it waitlists the mentee)",
    responses=problems(404, 409),
)
async def create_exclusion(
    program_id: uuid.UUID,
    body: ExclusionCreate,
    caller: Admin,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        exclusion = await exclusions.create_exclusion(
            session, caller=caller, program_id=program_id, body=body
        )
        return exclusion_document(exclusion), {"Location": f"/v1/exclusions/{exclusion.id}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/programs/{program_id}/exclusions", response_model=ExclusionPage, summary="A program's excluded pairs"
)
async def list_exclusions(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    page, next_cursor = await queries.list_exclusions(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response([exclusion_document(exclusion) for exclusion in page], next_cursor)


@router.delete(
    "/exclusions/{exclusion_id}", status_code=204, summary="Lift an exclusion", responses=problems(404)
)
async def delete_exclusion(exclusion_id: uuid.UUID, caller: Admin, writer: Writer) -> Response:
    async with writer.transaction() as session:
        await exclusions.delete_exclusion(session, caller=caller, exclusion_id=exclusion_id)
    return Response(status_code=204)
