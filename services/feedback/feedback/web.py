"""HTTP helpers of the feedback API: JSON documents (with their ETag) and idempotent creation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.models import messaging
from feedback.store import retrying
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys, etag, fingerprint
from shared.db import transaction
from shared.runtime import Runtime

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)


class DocumentResponse(Response):
    """JSON rendered by orjson straight from documents the service built (no re-validation)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_plain, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def _plain(value: Any) -> Any:
    # asyncpg returns its own UUID subclass, which orjson does not serialize natively.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def document_response(
    document: Any,
    *,
    status_code: int = 200,
    version: int | None = None,
    headers: dict[str, str] | None = None,
) -> DocumentResponse:
    all_headers = dict(headers or {})
    if version is not None:
        all_headers["ETag"] = etag(version)
    return DocumentResponse(document, status_code=status_code, headers=all_headers)


def page_response(items: list[Any], next_cursor: str | None) -> DocumentResponse:
    return DocumentResponse({"items": items, "next_cursor": next_cursor})


Created = tuple[dict[str, Any], dict[str, str]]


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """Run a creating use case once per `Idempotency-Key`: a retry with the same key and body gets
    the first response again (`Idempotent-Replayed: true`), the same key with another body a 422.
    The stored response commits with the creation, so it exists if and only if the creation does."""
    request_fingerprint = fingerprint(request.method, request.url.path, await request.body())

    async def attempt() -> Response | Created:
        async with transaction(runtime.sessions) as session:
            if key is not None:
                replayed = await IDEMPOTENCY.replay(
                    session, principal=caller, key=key, request_fingerprint=request_fingerprint
                )
                if replayed is not None:
                    return replayed
            body, headers = await create(session)
            if key is not None:
                await IDEMPOTENCY.remember(
                    session,
                    principal=caller,
                    key=key,
                    request_fingerprint=request_fingerprint,
                    status_code=201,
                    body=orjson.loads(orjson.dumps(body, default=_plain, option=orjson.OPT_UTC_Z)),
                    headers=headers,
                )
        return body, headers

    outcome = await retrying(attempt)
    if isinstance(outcome, Response):
        return outcome
    body, headers = outcome
    return document_response(body, status_code=201, headers=headers)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an endpoint can give."""
    descriptions = {
        400: "Bad request, e.g. an invalid cursor (problem details)",
        403: "Not allowed for this caller (problem details)",
        404: "Not found, or not visible to the caller (problem details)",
        409: "Conflicts with the current state, e.g. already answered (problem details)",
        412: "If-Match names an older version (problem details)",
        422: "Invalid request (problem details naming the offending fields)",
        428: "If-Match is required (problem details)",
    }
    return {
        status: {"description": descriptions[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
