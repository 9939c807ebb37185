"""Claiming due deliveries for a worker, safely across replicas.

One statement (autocommit): the oldest queued deliveries that are due, `FOR UPDATE SKIP LOCKED` so
replicas never claim the same row; a claim moves `due_at` past a lease and sets a fresh claim
token. A worker that dies before it starts sending leaves the delivery due again when the lease
ends; one that dies after it recorded `sending` leaves it to the recovery job (service/deliveries.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Uuid, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from notifications.models import SCHEMA


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: uuid.UUID
    key: str
    claim_token: uuid.UUID
    organization: str
    person_id: uuid.UUID
    notification_id: uuid.UUID
    items: list[str] | None
    kind: str
    channel: str
    attempt: int  # the number of the attempt about to be made (1-based)
    created_at: datetime


_CLAIM = text(
    f"""
    WITH due AS (
        SELECT id FROM "{SCHEMA}".deliveries
        WHERE status = 'queued' AND due_at <= now()
        ORDER BY due_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE "{SCHEMA}".deliveries d
    SET due_at = now() + make_interval(secs => :lease_seconds),
        lease_until = now() + make_interval(secs => :lease_seconds),
        claim_token = gen_random_uuid()
    FROM due
    WHERE d.id = due.id
    RETURNING d.id, d.key, d.claim_token, d.organization, d.person_id, d.notification_id, d.items, d.kind,
        d.channel, d.attempts, d.created_at
    """
)


async def claim_due(
    connection: AsyncConnection, *, limit: int, lease_seconds: float
) -> list[ClaimedDelivery]:
    rows = (await connection.execute(_CLAIM, {"limit": limit, "lease_seconds": lease_seconds})).all()
    return [
        ClaimedDelivery(
            id=row.id,
            key=row.key,
            claim_token=row.claim_token,
            organization=row.organization,
            person_id=row.person_id,
            notification_id=row.notification_id,
            items=row.items,
            kind=row.kind,
            channel=row.channel,
            attempt=row.attempts + 1,
            created_at=row.created_at,
        )
        for row in rows
    ]


_MARK_SENDING = text(
    f"""
    UPDATE "{SCHEMA}".deliveries d
    SET status = 'sending', attempts = d.attempts + 1, message_id = marks.message_id,
        lease_until = now() + make_interval(secs => :lease_seconds), updated_at = now()
    FROM unnest(:ids, :tokens, :message_ids) AS marks(id, token, message_id)
    WHERE d.id = marks.id AND d.claim_token = marks.token AND d.status = 'queued'
    RETURNING d.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid)),
    bindparam("tokens", type_=ARRAY(Uuid)),
    bindparam("message_ids", type_=ARRAY(String)),
)


async def mark_sending(
    connection: AsyncConnection,
    deliveries: Sequence[tuple[ClaimedDelivery, str | None]],
    *,
    lease_seconds: float,
) -> set[uuid.UUID]:
    """Record that these messages are being handed over (each just before its SMTP DATA or chat
    POST), with their Message-IDs, in one statement; the ids of those still this claim's (a delivery
    claimed meanwhile by another worker is left alone and must not be sent)."""
    if not deliveries:
        return set()
    result = await connection.execute(
        _MARK_SENDING,
        {
            "ids": [item.id for item, _ in deliveries],
            "tokens": [item.claim_token for item, _ in deliveries],
            "message_ids": [message_id for _, message_id in deliveries],
            "lease_seconds": lease_seconds,
        },
    )
    return set(result.scalars())


_RELEASE = text(
    f"""
    UPDATE "{SCHEMA}".deliveries
    SET due_at = now() + make_interval(secs => :wait), claim_token = NULL, lease_until = NULL
    WHERE id = :id AND claim_token = :token AND status = 'queued'
    """
).bindparams(bindparam("wait"))


async def release(connection: AsyncConnection, deliveries: list[tuple[ClaimedDelivery, float]]) -> None:
    """Give back claimed deliveries that were not attempted, due again after their wait."""
    if deliveries:
        await connection.execute(
            _RELEASE, [{"id": item.id, "token": item.claim_token, "wait": wait} for item, wait in deliveries]
        )
