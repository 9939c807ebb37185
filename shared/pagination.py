"""Cursor pagination: opaque cursors over a stable sort key, `limit` + `cursor` in, `next_cursor` out.

Every list in every service pages the same way, with `keyset_page`: the query is ordered by its
key columns (ending with a unique one, usually the id), the cursor holds the last row's key, and
the next page starts strictly after it. A malformed cursor is a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.errors import Problem

Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _invalid_cursor() -> Problem:
    return Problem(400, "the cursor is not valid", slug="invalid-cursor")


def encode_cursor(*values: Any) -> str:
    """An opaque cursor holding `values` (strings, numbers, UUIDs, dates and datetimes)."""
    plain = [value.isoformat() if isinstance(value, date | datetime) else value for value in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain, default=str)).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    """The raw values inside a cursor; a malformed cursor is a 400, never a 500."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise _invalid_cursor() from exc
    if not isinstance(values, list) or len(values) != arity:
        raise _invalid_cursor()
    return values


def _typed(value: Any, python_type: type) -> Any:
    if value is None:
        return None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is int and not isinstance(value, int):
        raise TypeError("not an integer")
    if python_type is str and not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _python_type(column: Any) -> type:
    try:
        python_type: type = column.type.python_type
        return python_type
    except NotImplementedError:
        return object


@dataclass(frozen=True)
class Keyset:
    """A sort key: columns (ORM attributes or table columns), the last one unique."""

    columns: Sequence[Any]
    descending: bool = False

    def after(self, cursor: str | None) -> Any:
        """The condition for rows strictly after the cursor's key (None without a cursor)."""
        if cursor is None:
            return None
        raw = decode_cursor(cursor, arity=len(self.columns))
        try:
            pairs = zip(raw, self.columns, strict=True)
            key = tuple(_typed(value, _python_type(column)) for value, column in pairs)
        except (TypeError, ValueError) as exc:
            raise _invalid_cursor() from exc
        if any(value is None for value in key):
            raise _invalid_cursor()
        row = tuple_(*self.columns)
        return row < key if self.descending else row > key

    def order_by(self) -> list[Any]:
        return [column.desc() if self.descending else column for column in self.columns]

    def cursor_of(self, row: Any) -> str:
        """The cursor pointing after `row` (an ORM object or a result row)."""
        return encode_cursor(*(getattr(row, column.key) for column in self.columns))


async def keyset_page(
    db: AsyncSession | AsyncConnection,
    query: Select[Any],
    *,
    key: Keyset | Sequence[Any],
    limit: int,
    cursor: str | None,
    scalars: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of `query` ordered by `key`, and the cursor of the next page (None on the last).

    `scalars` returns ORM objects (for `select(Model)`), else result rows.
    """
    keyset = key if isinstance(key, Keyset) else Keyset(tuple(key))
    after = keyset.after(cursor)
    if after is not None:
        query = query.where(after)
    query = query.order_by(*keyset.order_by()).limit(limit + 1)
    result = await db.execute(query)
    rows = list(result.scalars().all() if scalars else result.all())
    page = rows[:limit]
    if len(rows) <= limit or not page:
        return page, None
    return page, keyset.cursor_of(page[-1])


# --- time-ordered lists (kept for callers that page by hand over a (time, id) key) ------------


def time_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    """A cursor after the row created at `moment` with id `row_id` (time-ordered lists)."""
    return encode_cursor(moment, row_id)


def after_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) sort key a time cursor points after; a malformed one is a 400."""
    if cursor is None:
        return None
    moment, row_id = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(moment), uuid.UUID(row_id)
    except (TypeError, ValueError) as exc:
        raise _invalid_cursor() from exc


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
    return await keyset_page(
        session, query, key=(time_column, id_column), limit=limit, cursor=cursor, scalars=True
    )
