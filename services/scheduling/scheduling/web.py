"""HTTP helpers of the scheduling API: calendars, time-ordered cursors, and the shared responses
(idempotent creation bound to this service's idempotency table)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import messaging
from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor
from shared.responses import Created, document_response, json_ready, page_response, problems
from shared.runtime import Runtime

__all__ = [
    "Created",
    "calendar_response",
    "create_idempotently",
    "cursor_at",
    "document_response",
    "json_ready",
    "page_response",
    "position_after",
    "problems",
]

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)
CALENDAR = "text/calendar; charset=utf-8"


def calendar_response(body: bytes, *, filename: str, cache_seconds: int = 0) -> Response:
    return Response(
        body,
        media_type=CALENDAR,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": f"private, max-age={cache_seconds}",
        },
    )


def position_after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) sort key a cursor points after; a malformed one is a 400."""
    if cursor is None:
        return None
    moment, row_id = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(moment), uuid.UUID(row_id)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


def cursor_at(moment: datetime, row_id: uuid.UUID) -> str:
    return encode_cursor(moment.isoformat(), str(row_id))


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """`shared.responses.create_idempotently` with the scheduling idempotency keys."""
    return await responses.create_idempotently(
        request, sessions=runtime.sessions, keys=IDEMPOTENCY, caller=caller, key=key, create=create
    )
