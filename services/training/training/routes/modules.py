"""Modules: learners read the published version; admins write, edit and publish."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.errors import Problem
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from training import queries
from training.dependencies import Admin, Caller, Reader, SettingsDep, Writer
from training.documents import Document
from training.schemas import (
    Audience,
    ModuleAuthoring,
    ModuleCreate,
    ModuleForLearner,
    ModulePage,
    ModuleUpdate,
)
from training.service import modules

router = APIRouter(prefix="/v1", tags=["modules"])


@router.get(
    "/modules",
    response_model=ModulePage,
    summary="Modules in creation order: published ones (admins with `authoring=true`: all, drafts too)",
    responses=problems(400, 403),
)
async def list_modules(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    audience: Audience | None = None,
    authoring: Annotated[bool, Query(description="Admins: every module, as its latest version")] = False,
) -> Response:
    if authoring and not caller.is_admin:
        raise Problem(403, "the authoring view is for admins")
    page = await queries.modules_page(
        db,
        organization=caller.organization,
        authoring=authoring,
        audience=audience.value if audience else None,
        limit=limit,
        cursor=cursor,
    )
    return page_response(*page)


@router.post(
    "/modules",
    status_code=201,
    response_model=ModuleAuthoring,
    summary="Write a module (admin): a draft until published",
    responses=problems(403, 409, 422),
)
async def create_module(
    fields: ModuleCreate,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await modules.create_module(
            session, caller=caller, fields=fields, settings=settings, now=utcnow()
        )
        return document, {"ETag": f'"{document["revision"]}"', "Location": f"/v1/modules/{document['id']}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/modules/{module_id}",
    response_model=ModuleForLearner,
    summary="A module as learners take it: the published version, questions without answers",
    responses=problems(404),
)
async def get_module(module_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await queries.module_for_learner_of(db, organization=caller.organization, module_id=module_id)
    return document_response(document)


@router.get(
    "/modules/{module_id}/authoring",
    response_model=ModuleAuthoring,
    summary="A module as authors edit it (admin): the latest version, with the answer key",
    responses=problems(403, 404),
)
async def get_module_authoring(module_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    document = await modules.authoring_document(db, organization=caller.organization, module_id=module_id)
    return document_response(document, version=document["revision"])


@router.patch(
    "/modules/{module_id}",
    response_model=ModuleAuthoring,
    summary="Edit a module (admin, If-Match): a published module gets a new draft version",
    responses=problems(403, 404, 412, 422, 428),
)
async def update_module(
    module_id: uuid.UUID,
    changes: ModuleUpdate,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        document = await modules.update_module(
            session,
            caller=caller,
            module_id=module_id,
            changes=changes,
            if_match=if_match,
            settings=settings,
            now=utcnow(),
        )
    return document_response(document, version=document["revision"])


@router.post(
    "/modules/{module_id}/publish",
    response_model=ModuleAuthoring,
    summary="Publish the latest version (admin, If-Match): learners see it from now on",
    responses=problems(403, 404, 412, 428),
)
async def publish_module(
    module_id: uuid.UUID, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        document = await modules.publish_module(
            session, caller=caller, module_id=module_id, if_match=if_match, now=utcnow()
        )
    return document_response(document, version=document["revision"])
