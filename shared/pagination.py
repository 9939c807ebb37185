"""Cursor pagination: opaque cursors over a stable sort key, `limit` + `cursor` in, `next_cursor` out."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem

Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(*values: Any) -> str:
    """An opaque cursor for the last row of a page (its sort key values)."""
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    """The sort key values inside a cursor; a malformed cursor is a 400, never a 500."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor")
    return values


def time_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    """A cursor after the row created at `moment` with id `row_id` (time-ordered lists)."""
    return encode_cursor(moment.isoformat(), str(row_id))


def after_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) sort key a time cursor points after; a malformed one is a 400."""
    if cursor is None:
        return None
    moment, row_id = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(moment), uuid.UUID(row_id)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


async def time_ordered_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    time_column: Any,
    id_column: Any,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """One page of ORM rows ordered by (time, id), and the cursor of the next page (or None)."""
    after = after_time_cursor(cursor)
    if after is not None:
        query = query.where(func.row(time_column, id_column) > func.row(*after))
    rows = (await session.scalars(query.order_by(time_column, id_column).limit(limit + 1))).all()
    page = list(rows[:limit])
    if len(rows) <= limit or not page:
        return page, None
    last = page[-1]
    return page, time_cursor(getattr(last, time_column.key), getattr(last, id_column.key))
