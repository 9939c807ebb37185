"""Pairs an admin excluded from a program's matching."""

from __future__ import annotations

import uuid

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import queries
from matching.documents import exclusion_document
from matching.schemas import ExclusionCreate, ExclusionOut, ExclusionPage
from matching.service import exclusions
from shared.dependencies import Admin, Creation, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, page_response
from shared.routing import Routes

router = Routes("exclusions", "Pairs excluded by admins")


@router.creates("/programs/{program_id}/exclusions", ExclusionOut, 404, 409)
async def create_exclusion(
    program_id: uuid.UUID,
    body: ExclusionCreate,
    caller: Admin,
    creation: Creation,
) -> Response:
    """Exclude a pair (a draft round proposing it waitlists the mentee)"""

    async def create(session: AsyncSession) -> Created:
        exclusion = await exclusions.create_exclusion(
            session, caller=caller, program_id=program_id, body=body
        )
        return exclusion_document(exclusion), {"Location": f"/v1/exclusions/{exclusion.id}"}

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/exclusions", ExclusionPage)
async def list_exclusions(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """A program's excluded pairs"""
    page, next_cursor = await queries.list_exclusions(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response([exclusion_document(exclusion) for exclusion in page], next_cursor)


@router.deletes("/exclusions/{exclusion_id}", None, 404)
async def delete_exclusion(exclusion_id: uuid.UUID, caller: Admin, writer: Writer) -> Response:
    """Lift an exclusion"""
    async with writer.transaction() as session:
        await exclusions.delete_exclusion(session, caller=caller, exclusion_id=exclusion_id)
    return Response(status_code=204)
