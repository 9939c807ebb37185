"""Reads: every query is scoped to the caller's organization and is one indexed statement."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import Keyset, keyset_page
from webhooks.documents import (
    ATTEMPT_FIELDS,
    DELIVERY_FIELDS,
    ENDPOINT_FIELDS,
    Document,
    attempt_document,
    delivery_document,
    endpoint_document,
)
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint

ENDPOINTS = cast(Table, Endpoint.__table__)
DELIVERIES = cast(Table, Delivery.__table__)
ATTEMPTS = cast(Table, DeliveryAttempt.__table__)

OLDEST_ENDPOINTS_FIRST = Keyset((ENDPOINTS.c.created_at, ENDPOINTS.c.id))
NEWEST_DELIVERIES_FIRST = Keyset((DELIVERIES.c.created_at, DELIVERIES.c.id), descending=True)


async def endpoint_for(db: AsyncSession, *, organization: str, endpoint_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(*(ENDPOINTS.c[name] for name in ENDPOINT_FIELDS)).where(
                ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.organization == organization
            )
        )
    ).first()
    return endpoint_document(row) if row is not None else None


async def list_endpoints(
    db: AsyncSession, *, organization: str, enabled: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """Oldest first."""
    query = select(*(ENDPOINTS.c[name] for name in ENDPOINT_FIELDS)).where(
        ENDPOINTS.c.organization == organization
    )
    if enabled is not None:
        query = query.where(ENDPOINTS.c.enabled == enabled)
    rows, next_cursor = await keyset_page(db, query, key=OLDEST_ENDPOINTS_FIRST, limit=limit, cursor=cursor)
    return [endpoint_document(row) for row in rows], next_cursor


async def list_deliveries(
    db: AsyncSession,
    *,
    organization: str,
    endpoint_id: uuid.UUID,
    status: DeliveryStatus | None,
    event_type: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """An endpoint's delivery log, newest first."""
    query = select(*(DELIVERIES.c[name] for name in DELIVERY_FIELDS)).where(
        DELIVERIES.c.endpoint_id == endpoint_id, DELIVERIES.c.organization == organization
    )
    if status is not None:
        query = query.where(DELIVERIES.c.status == status.value)
    if event_type is not None:
        query = query.where(DELIVERIES.c.event_type == event_type)
    rows, next_cursor = await keyset_page(db, query, key=NEWEST_DELIVERIES_FIRST, limit=limit, cursor=cursor)
    return [delivery_document(row) for row in rows], next_cursor


async def delivery_for(db: AsyncSession, *, organization: str, delivery_id: uuid.UUID) -> Document | None:
    """A delivery with every attempt made, in order."""
    row = (
        await db.execute(
            select(*(DELIVERIES.c[name] for name in DELIVERY_FIELDS)).where(
                DELIVERIES.c.id == delivery_id, DELIVERIES.c.organization == organization
            )
        )
    ).first()
    if row is None:
        return None
    attempts = (
        await db.execute(
            select(*(ATTEMPTS.c[name] for name in ATTEMPT_FIELDS))
            .where(ATTEMPTS.c.delivery_id == delivery_id)
            .order_by(ATTEMPTS.c.number, ATTEMPTS.c.id)
        )
    ).all()
    return {**delivery_document(row), "attempt_log": [attempt_document(attempt) for attempt in attempts]}
