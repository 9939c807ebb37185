"""Action items of a pair: list (the overdue ones too), create, change, comment."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from workspace import queries
from workspace.dependencies import Caller, Reader, SettingsDep, Writer
from workspace.documents import comment_document
from workspace.queries import action_items as item_queries
from workspace.schemas import (
    ActionItem,
    ActionItemCreate,
    ActionItemPage,
    ActionItemUpdate,
    Comment,
    CommentCreate,
    CommentPage,
)
from workspace.service import action_items

router = APIRouter(prefix="/v1", tags=["action items"])


@router.get(
    "/matches/{match_id}/action-items",
    response_model=ActionItemPage,
    summary="The pair's action items, oldest first (`overdue=true`: those past their due date undone)",
    responses=problems(400, 404),
)
async def list_action_items(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    done: bool | None = None,
    overdue: bool | None = None,
    owner_id: uuid.UUID | None = None,
) -> Response:
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    items, next_cursor = await item_queries.list_action_items(
        db,
        access=access,
        now=utcnow(),
        done=done,
        overdue=overdue,
        owner_id=owner_id,
        limit=limit,
        cursor=cursor,
    )
    return page_response(items, next_cursor)


@router.post(
    "/matches/{match_id}/action-items",
    status_code=201,
    response_model=ActionItem,
    summary="Add an action item (either member) for one of the pair",
    responses=problems(403, 404, 409, 422),
)
async def create_action_item(
    match_id: uuid.UUID,
    body: ActionItemCreate,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        now = utcnow()
        item_id = await action_items.create_action_item(
            session, caller=caller, match_id=match_id, body=body, now=now, settings=settings
        )
        await session.flush()
        document = await item_queries.action_item(session, caller=caller, item_id=item_id, now=now)
        return document, {"Location": f"/v1/action-items/{item_id}", "ETag": f'"{document["version"]}"'}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/action-items/{item_id}", response_model=ActionItem, summary="An action item", responses=problems(404)
)
async def get_action_item(item_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await item_queries.action_item(db, caller=caller, item_id=item_id, now=utcnow())
    return document_response(document, version=document["version"])


@router.patch(
    "/action-items/{item_id}",
    response_model=ActionItem,
    summary="Change an action item: title, owner, due date, done (either member, If-Match)",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def update_action_item(
    item_id: uuid.UUID, body: ActionItemUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    now = utcnow()
    async with writer.transaction() as session:
        await action_items.update_action_item(
            session, caller=caller, item_id=item_id, changes=body, if_match=if_match, now=now
        )
        await session.flush()
        document = await item_queries.action_item(session, caller=caller, item_id=item_id, now=now)
    return document_response(document, version=document["version"])


@router.get(
    "/action-items/{item_id}/comments",
    response_model=CommentPage,
    summary="Comments on an action item, oldest first",
    responses=problems(400, 404),
)
async def list_comments(
    item_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    return page_response(
        *await item_queries.comments(db, caller=caller, item_id=item_id, limit=limit, cursor=cursor)
    )


@router.post(
    "/action-items/{item_id}/comments",
    status_code=201,
    response_model=Comment,
    summary="Comment on an action item (either member)",
    responses=problems(403, 404, 409, 422),
)
async def add_comment(
    item_id: uuid.UUID,
    body: CommentCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        comment = await action_items.add_comment(
            session, caller=caller, item_id=item_id, body=body.body, now=utcnow()
        )
        return comment_document(comment), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)
