"""HTTP helpers of the scheduling API: calendars, time-ordered cursors, and the shared responses
(idempotent creation bound to this service's idempotency table)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import messaging
from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.responses import Created, document_response, json_ready, page_response, problems
from shared.runtime import Runtime

__all__ = [
    "Created",
    "calendar_response",
    "create_idempotently",
    "document_response",
    "json_ready",
    "page_response",
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
