"""Action items of a pair: list (the overdue ones too), create, change, comment."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Caller, Creation, Paging, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes
from workspace import queries
from workspace.dependencies import SettingsDep
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

router = Routes("action items", "Action items with an owner and a due date, and their comments")


@router.reads("/matches/{match_id}/action-items", ActionItemPage, 400, 404)
async def list_action_items(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    paging: Paging,
    done: bool | None = None,
    overdue: bool | None = None,
    owner_id: uuid.UUID | None = None,
) -> Response:
    """The pair's action items, oldest first (`overdue=true`: those past their due date undone)"""
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    return await paging.answer(
        item_queries.list_action_items,
        db,
        access=access,
        now=utcnow(),
        done=done,
        overdue=overdue,
        owner_id=owner_id,
    )


@router.creates("/matches/{match_id}/action-items", ActionItem, 403, 404, 409, 422)
async def create_action_item(
    match_id: uuid.UUID,
    body: ActionItemCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Add an action item (either member) for one of the pair"""

    async def create(session: AsyncSession) -> Created:
        now = utcnow()
        item_id = await action_items.create_action_item(
            session, caller=caller, match_id=match_id, body=body, now=now, settings=settings
        )
        await session.flush()
        document = await item_queries.action_item(session, caller=caller, item_id=item_id, now=now)
        return document, {"Location": f"/v1/action-items/{item_id}", "ETag": f'"{document["version"]}"'}

    return await creation.run(caller=caller, create=create)


@router.reads("/action-items/{item_id}", ActionItem, 404)
async def get_action_item(item_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """An action item"""
    document = await item_queries.action_item(db, caller=caller, item_id=item_id, now=utcnow())
    return document_response(document, version=document["version"])


@router.patches("/action-items/{item_id}", ActionItem, 403, 404, 409, 412, 422, 428)
async def update_action_item(
    item_id: uuid.UUID, body: ActionItemUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Change an action item: title, owner, due date, done (either member, If-Match)"""
    now = utcnow()
    async with writer.transaction() as session:
        await action_items.update_action_item(
            session, caller=caller, item_id=item_id, changes=body, if_match=if_match, now=now
        )
        await session.flush()
        document = await item_queries.action_item(session, caller=caller, item_id=item_id, now=now)
    return document_response(document, version=document["version"])


@router.reads("/action-items/{item_id}/comments", CommentPage, 400, 404)
async def list_comments(
    item_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Comments on an action item, oldest first"""
    return page_response(
        *await item_queries.comments(db, caller=caller, item_id=item_id, limit=limit, cursor=cursor)
    )


@router.creates("/action-items/{item_id}/comments", Comment, 403, 404, 409, 422)
async def add_comment(
    item_id: uuid.UUID,
    body: CommentCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Comment on an action item (either member)"""

    async def create(session: AsyncSession) -> Created:
        comment = await action_items.add_comment(
            session, caller=caller, item_id=item_id, body=body.body, now=utcnow()
        )
        return comment_document(comment), {}

    return await creation.run(caller=caller, create=create)
