"""JSON responses every API shares: documents with their ETag, pages, idempotent creation, and
the OpenAPI description of problem responses."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import Principal
from shared.concurrency import IdempotencyKeys, etag, fingerprint
from shared.db import transaction
from shared.errors import not_found

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def _json_default(value: Any) -> Any:
    # asyncpg returns its own UUID subclass, which orjson does not recognise as a UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(document: Any) -> bytes:
    """JSON of a document built by a service (rows, dicts, UUIDs, UTC datetimes with `Z`)."""
    return orjson.dumps(document, default=_json_default, option=_OPTIONS)


def json_ready(document: Any) -> Any:
    """The document as plain JSON values (what is stored for idempotent replays)."""
    return orjson.loads(dumps(document))


class DocumentResponse(Response):
    """JSON rendered by orjson straight from documents the service built (no re-validation)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def document_response(
    document: Any,
    *,
    status_code: int = 200,
    version: int | None = None,
    headers: dict[str, str] | None = None,
) -> DocumentResponse:
    """A document, with `ETag` when its version is given."""
    all_headers = dict(headers or {})
    if version is not None:
        all_headers["ETag"] = etag(version)
    return DocumentResponse(document, status_code=status_code, headers=all_headers)


def page_response(items: list[Any], next_cursor: str | None) -> DocumentResponse:
    return DocumentResponse({"items": items, "next_cursor": next_cursor})


Created = tuple[Any, dict[str, str]]


async def create_idempotently(
    request: Request,
    *,
    sessions: async_sessionmaker[AsyncSession],
    keys: IdempotencyKeys,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
    seal: Callable[[Any], Any] = json_ready,
    unseal: Callable[[Response], Response] | None = None,
    status_code: int = 201,
) -> Response:
    """Run a creating use case once per `Idempotency-Key`.

    A retry with the same key and body gets the first response again (`Idempotent-Replayed:
    true`); the same key with another body is a 422. The stored response commits in the creating
    transaction, so it exists if and only if the creation does. `seal` turns the body into what is
    stored (e.g. with secrets encrypted) and `unseal` reverses it on replay.
    """
    request_fingerprint = fingerprint(request.method, request.url.path, await request.body())
    async with transaction(sessions) as session:
        if key is not None:
            replayed = await keys.replay(
                session, principal=caller, key=key, request_fingerprint=request_fingerprint
            )
            if replayed is not None:
                return unseal(replayed) if unseal else replayed
        body, headers = await create(session)
        if key is not None:
            await keys.remember(
                session,
                principal=caller,
                key=key,
                request_fingerprint=request_fingerprint,
                status_code=status_code,
                body=seal(body),
                headers=headers,
            )
    return document_response(body, status_code=status_code, headers=headers)


T = TypeVar("T")

_PROBLEMS = {
    400: "Bad request, e.g. an invalid cursor (problem details)",
    403: "Not allowed for this caller (problem details)",
    404: "Not found, or not visible to the caller (problem details)",
    409: "Conflicts with the current state (problem details)",
    412: "If-Match names an older version (problem details)",
    422: "Invalid request (problem details naming the offending fields)",
    428: "If-Match is required (problem details)",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an endpoint can give."""
    return {
        status: {"description": _PROBLEMS[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }


def found(document: T | None, what: str) -> T:
    """The document a read found, or the 404 problem saying `what` was not found (or is not
    visible to the caller, who cannot tell the two apart)."""
    if document is None:
        raise not_found(what)
    return document
