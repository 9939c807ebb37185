"""The delivery log of an endpoint, one delivery with its attempts, and resending it (admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.concurrency import IdempotencyKey
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.text import SafeText
from webhooks import queries, service
from webhooks.dependencies import Admin, Reader, Writer
from webhooks.models import DeliveryStatus
from webhooks.schemas import Delivery, DeliveryDetail, DeliveryPage

router = APIRouter(prefix="/v1", tags=["deliveries"])


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    response_model=DeliveryPage,
    summary="An endpoint's delivery log, newest first (admin)",
    responses=problems(400, 403, 404),
)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    caller: Admin,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: DeliveryStatus | None = None,
    event_type: Annotated[SafeText | None, Query(max_length=200)] = None,
) -> Response:
    if await queries.endpoint_for(db, organization=caller.organization, endpoint_id=endpoint_id) is None:
        raise not_found("endpoint")
    items, next_cursor = await queries.list_deliveries(
        db,
        organization=caller.organization,
        endpoint_id=endpoint_id,
        status=status,
        event_type=event_type,
        limit=limit,
        cursor=cursor,
    )
    return page_response(items, next_cursor)


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="A delivery with every attempt: status, latency, response excerpt (admin)",
    responses=problems(403, 404),
)
async def get_delivery(delivery_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    delivery = await queries.delivery_for(db, organization=caller.organization, delivery_id=delivery_id)
    if delivery is None:
        raise not_found("delivery")
    return document_response(delivery)


@router.post(
    "/deliveries/{delivery_id}/resend",
    status_code=202,
    response_model=Delivery,
    summary="Send a delivery's event again to its endpoint, now (admin; same webhook-id)",
    responses=problems(403, 404, 409),
)
async def resend_delivery(
    delivery_id: uuid.UUID, caller: Admin, writer: Writer, idempotency_key: IdempotencyKey = None
) -> Response:
    async def create(session: AsyncSession) -> Created:
        delivery = await service.resend_delivery(session, caller=caller, delivery_id=delivery_id)
        return delivery, {"Location": f"/v1/deliveries/{delivery['id']}"}

    return await writer.create_idempotently(
        caller=caller, key=idempotency_key, create=create, status_code=202
    )
