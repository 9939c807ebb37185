"""Pairs an admin excluded from a program's matching."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from matching import service
from matching.dependencies import Admin, RuntimeDep
from matching.schemas import ExclusionCreate, ExclusionOut, ExclusionPage
from matching.web import Created, create_idempotently, json_response, problems
from shared.concurrency import IdempotencyKey
from shared.db import transaction
from shared.pagination import Cursor, Limit

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
    request: Request,
    caller: Admin,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        exclusion = await service.create_exclusion(session, caller=caller, program_id=program_id, body=body)
        return ExclusionOut.model_validate(exclusion), {"Location": f"/v1/exclusions/{exclusion.id}"}

    return await create_idempotently(
        request, runtime=runtime, caller=caller, key=idempotency_key, create=create
    )


@router.get(
    "/programs/{program_id}/exclusions", response_model=ExclusionPage, summary="A program's excluded pairs"
)
async def list_exclusions(
    program_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        page, next_cursor = await service.list_exclusions(
            session, caller=caller, program_id=program_id, limit=limit, cursor=cursor
        )
        body = ExclusionPage(
            items=[ExclusionOut.model_validate(item) for item in page], next_cursor=next_cursor
        )
    return json_response(body)


@router.delete(
    "/exclusions/{exclusion_id}", status_code=204, summary="Lift an exclusion", responses=problems(404)
)
async def delete_exclusion(exclusion_id: uuid.UUID, caller: Admin, runtime: RuntimeDep) -> Response:
    async with transaction(runtime.sessions) as session:
        await service.delete_exclusion(session, caller=caller, exclusion_id=exclusion_id)
    return Response(status_code=204)
