"""Taking a module: knowledge-check attempts, completion, and your private reflection."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.dependencies import Caller, Change, Creation, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import document_response, found, page_response, problems
from shared.routing import Routes
from training import queries
from training.documents import Document
from training.schemas import (
    AttemptCreate,
    AttemptPage,
    AttemptResult,
    ModuleCompletion,
    ReflectionOut,
    ReflectionPage,
    ReflectionWrite,
)
from training.service import progress

router = Routes()


@router.creates("/modules/{module_id}/attempts", AttemptResult, 403, 404, 409, 422, tags=["knowledge checks"])
async def submit_attempt(
    module_id: uuid.UUID,
    body: AttemptCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Submit answers to the module's knowledge check: graded at once; a pass completes the module"""

    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await progress.submit_attempt(
            session, caller=caller, module_id=module_id, answers=body.answers, now=utcnow()
        )
        return document, {}

    return await creation.run(caller=caller, create=create)


@router.reads("/modules/{module_id}/attempts", AttemptPage, 400, 403, 404, tags=["knowledge checks"])
async def list_attempts(
    module_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Your attempts at the module's knowledge check, newest first"""
    await progress.published_version(db, organization=caller.organization, module_id=module_id)
    page = await queries.attempts_page(
        db,
        organization=caller.organization,
        person_id=progress.learner_id(caller),
        module_id=module_id,
        limit=limit,
        cursor=cursor,
    )
    return page_response(*page)


@router.creates(
    "/modules/{module_id}/completion",
    ModuleCompletion,
    responses={
        200: {"description": "Completed before: the first completion stands"},
        **problems(403, 404, 409),
    },
    tags=["progress"],
)
async def complete_module(module_id: uuid.UUID, caller: Caller, writer: Writer) -> Response:
    """Mark the module completed (201; 200 if it already was). A module with a knowledge check is completed
    by passing it
    """
    async with writer.transaction() as session:
        document, created = await progress.complete_module(
            session, caller=caller, module_id=module_id, now=utcnow()
        )
    return document_response(document, status_code=201 if created else 200)


@router.puts(
    "/modules/{module_id}/reflection",
    ReflectionOut,
    responses={201: {"description": "Written"}, **problems(403, 404, 409, 412, 422, 428)},
    tags=["reflections"],
)
async def write_reflection(
    module_id: uuid.UUID, body: ReflectionWrite, caller: Caller, change: Change
) -> Response:
    """Write your reflection on the module's prompt (201); rewriting it needs If-Match (200). Nobody else
    ever reads it: admins only see that one exists
    """
    document, created = await change.run(
        progress.write_reflection, caller=caller, module_id=module_id, text=body.text, now=utcnow()
    )
    return document_response(document, status_code=201 if created else 200, version=document["version"])


@router.reads("/modules/{module_id}/reflection", ReflectionOut, 403, 404, tags=["reflections"])
async def get_reflection(module_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """Your reflection on the module (yours only: 404 when you wrote none)"""
    document = found(
        await queries.reflection_of(
            db, organization=caller.organization, person_id=progress.learner_id(caller), module_id=module_id
        ),
        "reflection",
    )
    return document_response(document, version=document["version"])


@router.reads("/me/reflections", ReflectionPage, 400, 403, tags=["reflections"])
async def list_my_reflections(
    caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Your reflections, most recent first"""
    page = await queries.reflections_page(
        db,
        organization=caller.organization,
        person_id=progress.learner_id(caller),
        limit=limit,
        cursor=cursor,
    )
    return page_response(*page)
