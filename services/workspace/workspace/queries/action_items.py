"""Reads of action items: a pair's items (optionally only the overdue ones), one item, its comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import Problem, not_found
from shared.pagination import keyset_page
from workspace.access import PairAccess
from workspace.documents import Document, action_item_document, comment_document
from workspace.models import ActionItem, ActionItemComment
from workspace.queries import visible_pair

Page = tuple[list[Document], str | None]


async def list_action_items(
    db: AsyncSession,
    *,
    access: PairAccess,
    now: datetime,
    done: bool | None,
    overdue: bool | None,
    owner_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The pair's action items, oldest first; `overdue` keeps the undone items past their due time
    (or, false, the others)."""
    query = select(ActionItem.__table__).where(ActionItem.match_id == access.match_id)
    if done is not None:
        query = query.where(ActionItem.done.is_(done))
    if owner_id is not None:
        query = query.where(ActionItem.owner_id == owner_id)
    if overdue is True:
        query = query.where(~ActionItem.done, ActionItem.due_at < now)
    elif overdue is False:
        query = query.where(ActionItem.done | ActionItem.due_at.is_(None) | (ActionItem.due_at >= now))
    rows, next_cursor = await keyset_page(
        db, query, key=(ActionItem.created_at, ActionItem.id), limit=limit, cursor=cursor
    )
    return [action_item_document(row, now=now) for row in rows], next_cursor


async def item_row(db: AsyncSession, *, caller: Principal, item_id: uuid.UUID) -> tuple[PairAccess, Any]:
    row = (
        await db.execute(
            select(ActionItem.__table__).where(
                ActionItem.id == item_id, ActionItem.organization == caller.organization
            )
        )
    ).first()
    if row is None:
        raise not_found("action item")
    try:
        access = await visible_pair(db, caller=caller, match_id=row.match_id)
    except Problem as exc:
        raise not_found("action item") from exc
    return access, row


async def action_item(db: AsyncSession, *, caller: Principal, item_id: uuid.UUID, now: datetime) -> Document:
    _, row = await item_row(db, caller=caller, item_id=item_id)
    return action_item_document(row, now=now)


async def comments(
    db: AsyncSession, *, caller: Principal, item_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    await item_row(db, caller=caller, item_id=item_id)
    rows, next_cursor = await keyset_page(
        db,
        select(ActionItemComment.__table__).where(ActionItemComment.action_item_id == item_id),
        key=(ActionItemComment.created_at, ActionItemComment.id),
        limit=limit,
        cursor=cursor,
    )
    return [comment_document(row) for row in rows], next_cursor
