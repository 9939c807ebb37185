"""Endpoints: where an organization's webhooks go, what they subscribe to, and their secrets (admins)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.concurrency import IdempotencyKey, IfMatch, etag
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from webhooks import queries, service
from webhooks.dependencies import Admin, Box, Policy, Reader, SettingsDep, Writer
from webhooks.documents import secret_opened, secret_sealed
from webhooks.schemas import (
    Endpoint,
    EndpointCreate,
    EndpointPage,
    EndpointUpdate,
    EndpointWithSecret,
    Replay,
    ReplayResult,
    SecretRotation,
)

router = APIRouter(prefix="/v1", tags=["endpoints"])


@router.post(
    "/endpoints",
    status_code=201,
    response_model=EndpointWithSecret,
    summary="Register an endpoint (admin); the response is the only one that shows its secret",
    responses=problems(403),
)
async def create_endpoint(
    fields: EndpointCreate,
    caller: Admin,
    writer: Writer,
    policy: Policy,
    box: Box,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        endpoint = await service.create_endpoint(
            session, caller=caller, fields=fields, policy=policy, box=box
        )
        headers = {"ETag": etag(endpoint["version"]), "Location": f"/v1/endpoints/{endpoint['id']}"}
        return endpoint, headers

    return await writer.create_idempotently(
        caller=caller, key=idempotency_key, create=create, seal=secret_sealed(box), unseal=secret_opened(box)
    )


@router.get(
    "/endpoints", response_model=EndpointPage, summary="List endpoints (admin)", responses=problems(400, 403)
)
async def list_endpoints(
    caller: Admin, db: Reader, limit: Limit = 50, cursor: Cursor = None, enabled: bool | None = None
) -> Response:
    items, next_cursor = await queries.list_endpoints(
        db, organization=caller.organization, enabled=enabled, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


@router.get(
    "/endpoints/{endpoint_id}",
    response_model=Endpoint,
    summary="An endpoint (admin)",
    responses=problems(403, 404),
)
async def get_endpoint(endpoint_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    endpoint = await queries.endpoint_for(db, organization=caller.organization, endpoint_id=endpoint_id)
    if endpoint is None:
        raise not_found("endpoint")
    return document_response(endpoint, version=endpoint["version"])


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=Endpoint,
    summary="Change an endpoint, enable or disable it (admin, If-Match required)",
    responses=problems(403, 404, 412, 428),
)
async def update_endpoint(
    endpoint_id: uuid.UUID,
    changes: EndpointUpdate,
    caller: Admin,
    writer: Writer,
    policy: Policy,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        endpoint = await service.update_endpoint(
            session, caller=caller, endpoint_id=endpoint_id, changes=changes, if_match=if_match, policy=policy
        )
    return document_response(endpoint, version=endpoint["version"])


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=204,
    summary="Delete an endpoint with its delivery log (admin)",
    responses=problems(403, 404, 412),
)
async def delete_endpoint(
    endpoint_id: uuid.UUID, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await service.delete_endpoint(session, caller=caller, endpoint_id=endpoint_id, if_match=if_match)
    return Response(status_code=204)


@router.post(
    "/endpoints/{endpoint_id}/secret/rotate",
    status_code=201,
    response_model=EndpointWithSecret,
    summary="Rotate the secret (admin): both secrets sign during the overlap; the new one is shown once",
    responses=problems(403, 404),
)
async def rotate_secret(
    endpoint_id: uuid.UUID,
    caller: Admin,
    writer: Writer,
    box: Box,
    settings: SettingsDep,
    rotation: SecretRotation | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    seconds = rotation.overlap_seconds if rotation and rotation.overlap_seconds is not None else None
    overlap = (
        timedelta(seconds=seconds)
        if seconds is not None
        else timedelta(hours=settings.default_rotation_overlap_hours)
    )

    async def create(session: AsyncSession) -> Created:
        endpoint = await service.rotate_secret(
            session, caller=caller, endpoint_id=endpoint_id, overlap=overlap, box=box
        )
        return endpoint, {"ETag": etag(endpoint["version"])}

    return await writer.create_idempotently(
        caller=caller, key=idempotency_key, create=create, seal=secret_sealed(box), unseal=secret_opened(box)
    )


@router.post(
    "/endpoints/{endpoint_id}/replay",
    status_code=202,
    response_model=ReplayResult,
    summary="Deliver again the events of a time range the endpoint subscribes to (admin)",
    responses=problems(403, 404, 409),
)
async def replay(
    endpoint_id: uuid.UUID,
    body: Replay,
    caller: Admin,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        enqueued = await service.replay(
            session,
            caller=caller,
            endpoint_id=endpoint_id,
            start=body.start,
            end=body.end,
            only_failed=body.only_failed,
        )
        return {"enqueued": enqueued}, {}

    return await writer.create_idempotently(
        caller=caller, key=idempotency_key, create=create, status_code=202
    )
