"""HTTP helpers of the scheduling API: JSON documents with their ETag, pages, idempotent creation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.documents import Document
from scheduling.models import messaging
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys, etag, fingerprint
from shared.db import transaction
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor
from shared.runtime import Runtime

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)
CALENDAR = "text/calendar; charset=utf-8"


class DocumentResponse(Response):
    """JSON rendered by orjson straight from documents (UTC datetimes with a `Z`)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_json_default, option=orjson.OPT_UTC_Z)


def _json_default(value: Any) -> Any:
    # asyncpg returns its own UUID subclass, which orjson does not recognise as a UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_ready(document: Any) -> Any:
    """The document as plain JSON values (what is stored for idempotent replays)."""
    return orjson.loads(orjson.dumps(document, default=_json_default, option=orjson.OPT_UTC_Z))


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


def page_response(items: list[Document], next_cursor: str | None) -> DocumentResponse:
    return DocumentResponse({"items": items, "next_cursor": next_cursor})


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


Created = tuple[Document, dict[str, str]]


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """Run a creating use case once per `Idempotency-Key`: a retry with the same key and body gets
    the first response again (`Idempotent-Replayed: true`); the same key with another body is a 422.
    The stored response commits in the creating transaction, so it exists if and only if the
    creation does."""
    request_fingerprint = fingerprint(request.method, request.url.path, await request.body())
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
                body=json_ready(body),
                headers=headers,
            )
    return document_response(body, status_code=201, headers=headers)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an endpoint can give."""
    descriptions = {
        400: "Bad request, e.g. an invalid cursor (problem details)",
        403: "Not allowed for this caller (problem details)",
        404: "Not found, or not visible to the caller (problem details)",
        409: "Conflicts with the current state, e.g. the slot is taken (problem details)",
        412: "If-Match names an older version (problem details)",
        428: "If-Match is required (problem details)",
    }
    return {
        status: {"description": descriptions[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
