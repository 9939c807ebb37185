"""The delivery log (admins of the organization): what was sent, when, and what the server said."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import text

from notifications import queries
from notifications.dependencies import Admin, Reader, Writer
from notifications.documents import delivery_document
from notifications.models import DeliveryStatus
from notifications.service import DISPATCH_CHANNEL
from notifications.service.deliveries import resend
from shared.clock import utcnow
from shared.errors import Problem, not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", summary="Deliveries, newest first", responses=problems(400, 403, 422))
async def list_deliveries(
    caller: Admin,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    person_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=50, pattern=r"^[a-z_]+$")] = None,
) -> Response:
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


@router.get("/{delivery_id}", summary="One delivery with its log", responses=problems(403, 404))
async def get_delivery(delivery_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    row = await queries.delivery_of(db, delivery_id, organization=caller.organization)
    if row is None:
        raise not_found("delivery")
    return document_response(delivery_document(row, await queries.delivery_log(db, row.id)))


@router.post(
    "/{delivery_id}/resend",
    summary="Send a failed, bounced or unknown delivery again",
    description="For `unknown` the message may already be in the mailbox: resending is the admin's call.",
    responses=problems(403, 404, 409),
)
async def resend_delivery(delivery_id: uuid.UUID, caller: Admin, writer: Writer) -> Response:
    async with writer.transaction() as session:
        row = await queries.delivery_of(session, delivery_id, organization=caller.organization)
        if row is None:
            raise not_found("delivery")
        if row.status not in (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.UNKNOWN):
            raise Problem(409, f"a delivery that is {row.status} is not sent again")
        await resend(session, row, now=utcnow())
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": DISPATCH_CHANNEL})
        await session.flush()
        document = delivery_document(row)
    return document_response(document, status_code=202)
