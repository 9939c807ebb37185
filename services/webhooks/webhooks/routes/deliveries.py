"""The delivery log of an endpoint, one delivery with its attempts, and resending it (admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.dependencies import Admin, Creation, Paging, Reader
from shared.errors import not_found
from shared.responses import Created, document_response, found
from shared.routing import Routes
from shared.text import SafeText
from webhooks import queries, service
from webhooks.models import DeliveryStatus
from webhooks.schemas import Delivery, DeliveryDetail, DeliveryPage

router = Routes("deliveries", "The delivery log, resends and replays (admins)")


@router.reads("/endpoints/{endpoint_id}/deliveries", DeliveryPage, 400, 403, 404)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    caller: Admin,
    db: Reader,
    paging: Paging,
    status: DeliveryStatus | None = None,
    event_type: Annotated[SafeText | None, Query(max_length=200)] = None,
) -> Response:
    """An endpoint's delivery log, newest first (admin)"""
    if await queries.endpoint_for(db, organization=caller.organization, endpoint_id=endpoint_id) is None:
        raise not_found("endpoint")
    return await paging.answer(
        queries.list_deliveries,
        db,
        organization=caller.organization,
        endpoint_id=endpoint_id,
        status=status,
        event_type=event_type,
    )


@router.reads("/deliveries/{delivery_id}", DeliveryDetail, 403, 404)
async def get_delivery(delivery_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A delivery with every attempt: status, latency, response excerpt (admin)"""
    delivery = found(
        await queries.delivery_for(db, organization=caller.organization, delivery_id=delivery_id), "delivery"
    )
    return document_response(delivery)


@router.posts("/deliveries/{delivery_id}/resend", Delivery, 403, 404, 409, status_code=202)
async def resend_delivery(delivery_id: uuid.UUID, caller: Admin, creation: Creation) -> Response:
    """Send a delivery's event again to its endpoint, now (admin; same webhook-id)"""

    async def create(session: AsyncSession) -> Created:
        delivery = await service.resend_delivery(session, caller=caller, delivery_id=delivery_id)
        return delivery, {"Location": f"/v1/deliveries/{delivery['id']}"}

    return await creation.run(caller=caller, create=create, status_code=202)
