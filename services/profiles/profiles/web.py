"""HTTP helpers of the profiles API: the shared responses, with idempotent creation bound to this
service's idempotency table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.models import messaging
from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.responses import Created, DocumentResponse, document_response, dumps, page_response, problems
from shared.runtime import Runtime

__all__ = [
    "Created",
    "DocumentResponse",
    "create_idempotently",
    "document_response",
    "dumps",
    "page_response",
    "problems",
]

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """`shared.responses.create_idempotently` with the profiles idempotency keys."""
    return await responses.create_idempotently(
        request, sessions=runtime.sessions, keys=IDEMPOTENCY, caller=caller, key=key, create=create
    )
