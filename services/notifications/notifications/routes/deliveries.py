"""The delivery log (admins of the organization): what was sent, when, and what the server said."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from sqlalchemy import text

from notifications import queries
from notifications.documents import delivery_document
from notifications.models import DeliveryStatus
from notifications.service import DISPATCH_CHANNEL
from notifications.service.deliveries import resend
from shared.clock import utcnow
from shared.dependencies import Admin, Reader, Writer
from shared.errors import Problem
from shared.pagination import Cursor, Limit
from shared.responses import document_response, found, page_response
from shared.routing import Routes

router = Routes("deliveries", "The delivery log (admins)", prefix="/v1/deliveries")


@router.reads("", None, 400, 403, 422)
async def list_deliveries(
    caller: Admin,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    person_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=50, pattern=r"^[a-z_]+$")] = None,
) -> Response:
    """Deliveries, newest first"""
    rows, next_cursor = await queries.deliveries_page(
        db,
        caller.organization,
        status=status.value if status else None,
        person_id=person_id,
        kind=kind,
        limit=limit,
        cursor=cursor,
    )
    return page_response([delivery_document(row) for row in rows], next_cursor)


@router.reads("/{delivery_id}", None, 403, 404)
async def get_delivery(delivery_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """One delivery with its log"""
    row = found(await queries.delivery_of(db, delivery_id, organization=caller.organization), "delivery")
    return document_response(delivery_document(row, await queries.delivery_log(db, row.id)))


@router.posts("/{delivery_id}/resend", None, 403, 404, 409)
async def resend_delivery(delivery_id: uuid.UUID, caller: Admin, writer: Writer) -> Response:
    """Send a failed, bounced or unknown delivery again

    For `unknown` the message may already be in the mailbox: resending is the admin's call.
    """
    async with writer.transaction() as session:
        row = found(
            await queries.delivery_of(session, delivery_id, organization=caller.organization), "delivery"
        )
        if row.status not in (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.UNKNOWN):
            raise Problem(409, f"a delivery that is {row.status} is not sent again")
        await resend(session, row, now=utcnow())
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": DISPATCH_CHANNEL})
        await session.flush()
        document = delivery_document(row)
    return document_response(document, status_code=202)
