"""Programs: cohorts with an objective, a matching policy and a meeting cadence (admins manage them)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.dependencies import Admin, Caller, Reader, Writer
from profiles.schemas import Program, ProgramCreate, ProgramPage, ProgramUpdate
from shared.concurrency import IdempotencyKey, IfMatch, etag
from shared.contracts.profiles import ProgramObjective, ProgramStatus
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["programs"])


@router.post(
    "/programs",
    status_code=201,
    response_model=Program,
    summary="Create a program (admin)",
    responses=problems(403),
)
async def create_program(
    fields: ProgramCreate,
    caller: Admin,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        program = await service.create_program(session, caller=caller, fields=fields)
        headers = {"ETag": etag(program["version"]), "Location": f"/v1/programs/{program['id']}"}
        return program, headers

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/programs",
    response_model=ProgramPage,
    summary="List programs (drafts are visible to admins only)",
    responses=problems(400),
)
async def list_programs(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: ProgramStatus | None = None,
    objective: ProgramObjective | None = None,
) -> Response:
    items, next_cursor = await queries.list_programs(
        db,
        caller=caller,
        status=status.value if status else None,
        objective=objective.value if objective else None,
        limit=limit,
        cursor=cursor,
    )
    return page_response(items, next_cursor)


@router.get("/programs/{program_id}", response_model=Program, summary="A program", responses=problems(404))
async def get_program(program_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    program = await queries.program_for(db, caller=caller, program_id=program_id)
    if program is None:
        raise not_found("program")
    return document_response(program, version=program["version"])


@router.patch(
    "/programs/{program_id}",
    response_model=Program,
    summary="Change a program (admin, If-Match required)",
    responses=problems(403, 404, 409, 412, 428),
)
async def update_program(
    program_id: uuid.UUID,
    changes: ProgramUpdate,
    caller: Admin,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        program = await service.update_program(
            session, caller=caller, program_id=program_id, changes=changes, if_match=if_match
        )
    return document_response(program, version=program["version"])
