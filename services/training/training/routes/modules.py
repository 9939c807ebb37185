"""Modules: learners read the published version; admins write, edit and publish."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.dependencies import Admin, Caller, Change, Creation, Reader
from shared.errors import Problem
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response
from shared.routing import Routes
from training import queries
from training.dependencies import SettingsDep
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

router = Routes("modules", "Content: authoring (admins) and taking (everyone)")


@router.reads("/modules", ModulePage, 400, 403)
async def list_modules(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    audience: Audience | None = None,
    authoring: Annotated[bool, Query(description="Admins: every module, as its latest version")] = False,
) -> Response:
    """Modules in creation order: published ones (admins with `authoring=true`: all, drafts too)"""
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


@router.creates("/modules", ModuleAuthoring, 403, 409, 422)
async def create_module(
    fields: ModuleCreate,
    caller: Admin,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Write a module (admin): a draft until published"""

    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await modules.create_module(
            session, caller=caller, fields=fields, settings=settings, now=utcnow()
        )
        return document, {"ETag": f'"{document["revision"]}"', "Location": f"/v1/modules/{document['id']}"}

    return await creation.run(caller=caller, create=create)


@router.reads("/modules/{module_id}", ModuleForLearner, 404)
async def get_module(module_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A module as learners take it: the published version, questions without answers"""
    document = await queries.module_for_learner_of(db, organization=caller.organization, module_id=module_id)
    return document_response(document)


@router.reads("/modules/{module_id}/authoring", ModuleAuthoring, 403, 404)
async def get_module_authoring(module_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A module as authors edit it (admin): the latest version, with the answer key"""
    document = await modules.authoring_document(db, organization=caller.organization, module_id=module_id)
    return document_response(document, version=document["revision"])


@router.patches("/modules/{module_id}", ModuleAuthoring, 403, 404, 412, 422, 428)
async def update_module(
    module_id: uuid.UUID,
    changes: ModuleUpdate,
    caller: Admin,
    change: Change,
    settings: SettingsDep,
) -> Response:
    """Edit a module (admin, If-Match): a published module gets a new draft version"""
    document = await change.run(
        modules.update_module,
        caller=caller,
        module_id=module_id,
        changes=changes,
        settings=settings,
        now=utcnow(),
    )
    return document_response(document, version=document["revision"])


@router.posts("/modules/{module_id}/publish", ModuleAuthoring, 403, 404, 412, 428)
async def publish_module(module_id: uuid.UUID, caller: Admin, change: Change) -> Response:
    """Publish the latest version (admin, If-Match): learners see it from now on"""
    document = await change.run(modules.publish_module, caller=caller, module_id=module_id, now=utcnow())
    return document_response(document, version=document["revision"])
