"""HTTP helpers of the matching API: the shared responses, with idempotent creation bound to this
service's idempotency table and to its pydantic response models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from matching.models import messaging
from shared import responses
from shared.auth import Principal
from shared.concurrency import IdempotencyKeys
from shared.responses import document_response, problems
from shared.runtime import Runtime

__all__ = ["Created", "create_idempotently", "json_response", "problems"]

IDEMPOTENCY = IdempotencyKeys(messaging.idempotency)
Created = tuple[BaseModel, dict[str, str]]


def json_response(
    body: BaseModel | dict[str, Any],
    *,
    status_code: int = 200,
    version: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A response model (or document) as JSON, with `ETag` when its version is given."""
    document = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return document_response(document, status_code=status_code, version=version, headers=headers)


async def create_idempotently(
    request: Request,
    *,
    runtime: Runtime,
    caller: Principal,
    key: str | None,
    create: Callable[[AsyncSession], Awaitable[Created]],
) -> Response:
    """`shared.responses.create_idempotently` with matching's idempotency keys."""

    async def create_document(session: AsyncSession) -> responses.Created:
        body, headers = await create(session)
        return body.model_dump(mode="json"), headers

    return await responses.create_idempotently(
        request,
        sessions=runtime.sessions,
        keys=IDEMPOTENCY,
        caller=caller,
        key=key,
        create=create_document,
    )
