"""HTTP helpers of the webhooks API: JSON documents with their ETag, and idempotent creation.

A creating POST that returns a secret (a new endpoint, a rotated secret) stores its response for
`Idempotency-Key` replays with the secret sealed (see `secret_box`), so no secret is ever kept
in clear, not even there; a replay opens it again for the same caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.responses import Created, DocumentResponse, document_response, json_ready, page_response, problems
from shared.runtime import Runtime
from webhooks.models import messaging
from webhooks.secret_box import SecretBox

__all__ = [
    "Created",
    "DocumentResponse",
    "create_idempotently",
    "document_response",
    "page_response",
    "problems",
]

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)
SECRET_FIELD = "secret"


def _sealer(box: SecretBox) -> Callable[[Any], Any]:
    def seal(body: Any) -> Any:
        stored = json_ready(body)
        if isinstance(stored, dict) and isinstance(stored.get(SECRET_FIELD), str):
            stored[SECRET_FIELD] = box.seal(stored[SECRET_FIELD])
        return stored

    return seal


def _unsealer(box: SecretBox) -> Callable[[Response], Response]:
    def unseal(replayed: Response) -> Response:
        body = orjson.loads(replayed.body)
        if isinstance(body, dict) and isinstance(body.get(SECRET_FIELD), str):
            body[SECRET_FIELD] = box.open(body[SECRET_FIELD])
        headers = {k: v for k, v in replayed.headers.items() if k.lower() != "content-length"}
        return DocumentResponse(body, status_code=replayed.status_code, headers=headers)

    return unseal


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    box: SecretBox,
    create: Callable[[AsyncSession], Awaitable[Created]],
    status_code: int = 201,
) -> Response:
    """`shared.responses.create_idempotently` with the webhooks idempotency keys, the stored
    response's secret sealed and opened again on replay."""
    return await responses.create_idempotently(
        request,
        sessions=runtime.sessions,
        keys=IDEMPOTENCY,
        caller=caller,
        key=key,
        create=create,
        seal=_sealer(box),
        unseal=_unsealer(box),
        status_code=status_code,
    )
