"""Endpoints: where an organization's webhooks go, what they subscribe to, and their secrets (admins)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.concurrency import etag
from shared.dependencies import Admin, Change, Creation, Paging, Reader
from shared.responses import Created, document_response, found
from shared.routing import Routes
from webhooks import queries, service
from webhooks.dependencies import Box, Policy, SettingsDep
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

router = Routes("endpoints", "Where webhooks go (admins)")


@router.creates("/endpoints", EndpointWithSecret, 403)
async def create_endpoint(
    fields: EndpointCreate,
    caller: Admin,
    creation: Creation,
    policy: Policy,
    box: Box,
) -> Response:
    """Register an endpoint (admin); the response is the only one that shows its secret"""

    async def create(session: AsyncSession) -> Created:
        endpoint = await service.create_endpoint(
            session, caller=caller, fields=fields, policy=policy, box=box
        )
        headers = {"ETag": etag(endpoint["version"]), "Location": f"/v1/endpoints/{endpoint['id']}"}
        return endpoint, headers

    return await creation.run(
        caller=caller, create=create, seal=secret_sealed(box), unseal=secret_opened(box)
    )


@router.reads("/endpoints", EndpointPage, 400, 403)
async def list_endpoints(caller: Admin, db: Reader, paging: Paging, enabled: bool | None = None) -> Response:
    """List endpoints (admin)"""
    return await paging.answer(queries.list_endpoints, db, organization=caller.organization, enabled=enabled)


@router.reads("/endpoints/{endpoint_id}", Endpoint, 403, 404)
async def get_endpoint(endpoint_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """An endpoint (admin)"""
    endpoint = found(
        await queries.endpoint_for(db, organization=caller.organization, endpoint_id=endpoint_id), "endpoint"
    )
    return document_response(endpoint, version=endpoint["version"])


@router.patches("/endpoints/{endpoint_id}", Endpoint, 403, 404, 412, 428)
async def update_endpoint(
    endpoint_id: uuid.UUID,
    changes: EndpointUpdate,
    caller: Admin,
    change: Change,
    policy: Policy,
) -> Response:
    """Change an endpoint, enable or disable it (admin, If-Match required)"""
    endpoint = await change.run(
        service.update_endpoint, caller=caller, endpoint_id=endpoint_id, changes=changes, policy=policy
    )
    return document_response(endpoint, version=endpoint["version"])


@router.deletes("/endpoints/{endpoint_id}", None, 403, 404, 412)
async def delete_endpoint(endpoint_id: uuid.UUID, caller: Admin, change: Change) -> Response:
    """Delete an endpoint with its delivery log (admin)"""
    await change.run(service.delete_endpoint, caller=caller, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.creates("/endpoints/{endpoint_id}/secret/rotate", EndpointWithSecret, 403, 404)
async def rotate_secret(
    endpoint_id: uuid.UUID,
    caller: Admin,
    creation: Creation,
    box: Box,
    settings: SettingsDep,
    rotation: SecretRotation | None = None,
) -> Response:
    """Rotate the secret (admin): both secrets sign during the overlap; the new one is shown once"""
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

    return await creation.run(
        caller=caller, create=create, seal=secret_sealed(box), unseal=secret_opened(box)
    )


@router.posts("/endpoints/{endpoint_id}/replay", ReplayResult, 403, 404, 409, status_code=202)
async def replay(
    endpoint_id: uuid.UUID,
    body: Replay,
    caller: Admin,
    creation: Creation,
) -> Response:
    """Deliver again the events of a time range the endpoint subscribes to (admin)"""

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

    return await creation.run(caller=caller, create=create, status_code=202)
