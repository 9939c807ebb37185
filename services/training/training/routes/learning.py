"""Taking a module: knowledge-check attempts, completion, and your private reflection."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from training import queries
from training.dependencies import Caller, Reader, Writer
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

router = APIRouter(prefix="/v1")


@router.post(
    "/modules/{module_id}/attempts",
    status_code=201,
    response_model=AttemptResult,
    tags=["knowledge checks"],
    summary="Submit answers to the module's knowledge check: graded at once; a pass completes the module",
    responses=problems(403, 404, 409, 422),
)
async def submit_attempt(
    module_id: uuid.UUID,
    body: AttemptCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await progress.submit_attempt(
            session, caller=caller, module_id=module_id, answers=body.answers, now=utcnow()
        )
        return document, {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/modules/{module_id}/attempts",
    response_model=AttemptPage,
    tags=["knowledge checks"],
    summary="Your attempts at the module's knowledge check, newest first",
    responses=problems(400, 403, 404),
)
async def list_attempts(
    module_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
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


@router.post(
    "/modules/{module_id}/completion",
    response_model=ModuleCompletion,
    status_code=201,
    tags=["progress"],
    summary="Mark the module completed (201; 200 if it already was). A module with a knowledge "
    "check is completed by passing it",
    responses={
        200: {"description": "Completed before: the first completion stands"},
        **problems(403, 404, 409),
    },
)
async def complete_module(module_id: uuid.UUID, caller: Caller, writer: Writer) -> Response:
    async with writer.transaction() as session:
        document, created = await progress.complete_module(
            session, caller=caller, module_id=module_id, now=utcnow()
        )
    return document_response(document, status_code=201 if created else 200)


@router.put(
    "/modules/{module_id}/reflection",
    response_model=ReflectionOut,
    tags=["reflections"],
    summary="Write your reflection on the module's prompt (201); rewriting it needs If-Match (200). "
    "Nobody else ever reads it: admins only see that one exists",
    responses={201: {"description": "Written"}, **problems(403, 404, 409, 412, 422, 428)},
)
async def write_reflection(
    module_id: uuid.UUID, body: ReflectionWrite, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        document, created = await progress.write_reflection(
            session, caller=caller, module_id=module_id, text=body.text, if_match=if_match, now=utcnow()
        )
    return document_response(document, status_code=201 if created else 200, version=document["version"])


@router.get(
    "/modules/{module_id}/reflection",
    response_model=ReflectionOut,
    tags=["reflections"],
    summary="Your reflection on the module (yours only: 404 when you wrote none)",
    responses=problems(403, 404),
)
async def get_reflection(module_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await queries.reflection_of(
        db, organization=caller.organization, person_id=progress.learner_id(caller), module_id=module_id
    )
    if document is None:
        raise not_found("reflection")
    return document_response(document, version=document["version"])


@router.get(
    "/me/reflections",
    response_model=ReflectionPage,
    tags=["reflections"],
    summary="Your reflections, most recent first",
    responses=problems(400, 403),
)
async def list_my_reflections(
    caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    page = await queries.reflections_page(
        db,
        organization=caller.organization,
        person_id=progress.learner_id(caller),
        limit=limit,
        cursor=cursor,
    )
    return page_response(*page)
