"""HTTP helpers of the feedback API: the shared responses, with idempotent creation bound to this
service's idempotency table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.models import messaging
from feedback.store import retrying
from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.responses import Created, document_response, page_response, problems
from shared.runtime import Runtime

__all__ = ["Created", "create_idempotently", "document_response", "page_response", "problems"]

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """`shared.responses.create_idempotently` with the feedback idempotency keys, re-run as a whole
    when PostgreSQL picks it as a deadlock victim (submissions and event handlers lock rows in
    different orders)."""

    async def attempt() -> Response:
        return await responses.create_idempotently(
            request, sessions=runtime.sessions, keys=IDEMPOTENCY, caller=caller, key=key, create=create
        )

    return await retrying(attempt)
