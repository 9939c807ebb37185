"""Programs: cohorts with an objective, a matching policy and a meeting cadence (admins manage them)."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.dependencies import Change, Creation
from profiles.schemas import Program, ProgramCreate, ProgramPage, ProgramUpdate
from shared.concurrency import etag
from shared.contracts.profiles import ProgramObjective, ProgramStatus
from shared.dependencies import Admin, Caller, Paging, Reader
from shared.responses import Created, document_response, found
from shared.routing import Routes

router = Routes("programs", "Mentorship programs (admins manage them)")


@router.creates("/programs", Program, 403)
async def create_program(fields: ProgramCreate, caller: Admin, creation: Creation) -> Response:
    """Create a program (admin)"""

    async def create(session: AsyncSession) -> Created:
        program = await service.create_program(session, caller=caller, fields=fields)
        headers = {"ETag": etag(program["version"]), "Location": f"/v1/programs/{program['id']}"}
        return program, headers

    return await creation.run(caller=caller, create=create)


@router.reads("/programs", ProgramPage, 400)
async def list_programs(
    caller: Caller,
    db: Reader,
    paging: Paging,
    status: ProgramStatus | None = None,
    objective: ProgramObjective | None = None,
) -> Response:
    """List programs (drafts are visible to admins only)"""
    return await paging.answer(
        queries.list_programs,
        db,
        caller=caller,
        status=status.value if status else None,
        objective=objective.value if objective else None,
    )


@router.reads("/programs/{program_id}", Program, 404)
async def get_program(program_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A program"""
    program = found(await queries.program_for(db, caller=caller, program_id=program_id), "program")
    return document_response(program, version=program["version"])


@router.patches("/programs/{program_id}", Program, 403, 404, 409, 412, 428)
async def update_program(
    program_id: uuid.UUID, changes: ProgramUpdate, caller: Admin, change: Change
) -> Response:
    """Change a program (admin, If-Match required)"""
    program = await change.run(service.update_program, caller=caller, program_id=program_id, changes=changes)
    return document_response(program, version=program["version"])
