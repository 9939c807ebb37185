"""Reads: every query is scoped to the caller's organization and is one indexed statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from webhooks.states import (
    ATTEMPT_FIELDS,
    DELIVERY_FIELDS,
    ENDPOINT_FIELDS,
    Document,
    attempt_document,
    delivery_document,
    endpoint_document,
)

Executor = AsyncConnection | AsyncSession

ENDPOINTS = cast(Table, Endpoint.__table__)
DELIVERIES = cast(Table, Delivery.__table__)
ATTEMPTS = cast(Table, DeliveryAttempt.__table__)


def _position(cursor: str) -> tuple[datetime, uuid.UUID]:
    created_at, row_id = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc


def _next_cursor(rows: list[Any], limit: int) -> str | None:
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last.created_at.isoformat(), str(last.id))


async def endpoint_for(db: Executor, *, organization: str, endpoint_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(*(ENDPOINTS.c[name] for name in ENDPOINT_FIELDS)).where(
                ENDPOINTS.c.id == endpoint_id, ENDPOINTS.c.organization == organization
            )
        )
    ).first()
    return endpoint_document(row) if row is not None else None


async def list_endpoints(
    db: Executor, *, organization: str, enabled: bool | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """Oldest first."""
    query = select(*(ENDPOINTS.c[name] for name in ENDPOINT_FIELDS)).where(
        ENDPOINTS.c.organization == organization
    )
    if enabled is not None:
        query = query.where(ENDPOINTS.c.enabled == enabled)
    if cursor is not None:
        query = query.where(tuple_(ENDPOINTS.c.created_at, ENDPOINTS.c.id) > tuple_(*_position(cursor)))
    rows = list(
        (await db.execute(query.order_by(ENDPOINTS.c.created_at, ENDPOINTS.c.id).limit(limit + 1))).all()
    )
    return [endpoint_document(row) for row in rows[:limit]], _next_cursor(rows, limit)


async def list_deliveries(
    db: Executor,
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
    if cursor is not None:
        query = query.where(tuple_(DELIVERIES.c.created_at, DELIVERIES.c.id) < tuple_(*_position(cursor)))
    rows = list(
        (
            await db.execute(
                query.order_by(DELIVERIES.c.created_at.desc(), DELIVERIES.c.id.desc()).limit(limit + 1)
            )
        ).all()
    )
    return [delivery_document(row) for row in rows[:limit]], _next_cursor(rows, limit)


async def delivery_for(db: Executor, *, organization: str, delivery_id: uuid.UUID) -> Document | None:
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
