"""Cursor pagination: opaque cursors over a stable sort key, `limit` + `cursor` in, `next_cursor` out."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

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
