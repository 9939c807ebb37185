"""Claiming due deliveries for a worker, fairly across endpoints, safely across replicas.

One statement: for every enabled endpoint, its oldest due deliveries up to what the worker may
still hold for it (`FOR UPDATE SKIP LOCKED`, so replicas never claim the same row), then the
oldest of those up to what the worker may hold in all. A claimed delivery gets a short lease
(its `next_attempt_at` moves a few seconds ahead), which the worker's heartbeat renews (`renew`)
while it holds the delivery, and a fresh claim token: if the worker dies, the delivery is due
again within seconds, and a late result from the dead claim is not recorded over a newer one.

An attempt is logged before its request leaves (`begin`): the delivery counts it and the log shows
it as `sending`, so a request sent by a worker that then died is in the log (as `interrupted`,
once the next attempt begins), and a worker whose claim was taken over sends nothing. Nor does one
whose delivery's endpoint was disabled after the claim (a 410, an admin): a worker claims a few
deliveries ahead, and those wait until the endpoint is enabled again.

Holding only a few deliveries per endpoint at a time is what keeps one slow or backlogged
endpoint from holding up the others: it can fill its own share, never the worker's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from webhooks.models import SCHEMA


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: uuid.UUID
    claim_token: uuid.UUID
    attempt: int  # the number of the attempt about to be made (1-based)
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    created_at: datetime
    url: str
    secret: str  # sealed
    previous_secret: str | None  # sealed; only while its overlap lasts
    body: bytes


_CLAIM = text(
    f"""
    WITH busy AS (
        SELECT * FROM unnest(CAST(:busy_ids AS uuid[]), CAST(:busy_counts AS int[]))
            AS b(endpoint_id, in_flight)
    ), claimable AS (
        SELECT due.id, due.next_attempt_at
        FROM "{SCHEMA}".endpoints e
        LEFT JOIN busy ON busy.endpoint_id = e.id
        CROSS JOIN LATERAL (
            SELECT d.id, d.next_attempt_at
            FROM "{SCHEMA}".deliveries d
            WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            LIMIT greatest(CAST(:per_endpoint AS int) - coalesce(busy.in_flight, 0), 0)
            FOR UPDATE OF d SKIP LOCKED
        ) due
        WHERE e.enabled
        ORDER BY due.next_attempt_at
        LIMIT :slots
    )
    UPDATE "{SCHEMA}".deliveries d
    SET next_attempt_at = now() + make_interval(secs => :lease_seconds),
        claim_token = gen_random_uuid()
    FROM claimable c, "{SCHEMA}".endpoints e, "{SCHEMA}".events ev
    WHERE d.id = c.id AND e.id = d.endpoint_id AND ev.id = d.event_id
    RETURNING d.id, d.claim_token, d.attempts, d.endpoint_id, d.event_id, d.created_at, e.url, e.secret,
        CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
        ev.body
    """
)


async def claim_due(
    db: AsyncConnection | AsyncSession,
    *,
    slots: int,
    per_endpoint: int,
    in_flight: Mapping[uuid.UUID, int],
    lease_seconds: float,
) -> list[ClaimedDelivery]:
    """Claim up to `slots` due deliveries, so that no endpoint has more than `per_endpoint` held
    (`in_flight`: what the worker already holds per endpoint).

    One statement, so it may run in autocommit (no BEGIN/COMMIT round trips per claim).
    """
    rows = (
        await db.execute(
            _CLAIM,
            {
                "busy_ids": list(in_flight),
                "busy_counts": list(in_flight.values()),
                "per_endpoint": per_endpoint,
                "slots": slots,
                "lease_seconds": lease_seconds,
            },
        )
    ).all()
    return [
        ClaimedDelivery(
            id=row.id,
            claim_token=row.claim_token,
            attempt=row.attempts + 1,
            endpoint_id=row.endpoint_id,
            event_id=row.event_id,
            created_at=row.created_at,
            url=row.url,
            secret=row.secret,
            previous_secret=row.previous_secret,
            body=bytes(row.body),
        )
        for row in rows
    ]


_BEGIN = text(
    f"""
    WITH b AS (
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:tokens AS uuid[]), CAST(:numbers AS int[]))
            AS b(id, token, number)
    ), begun AS (
        UPDATE "{SCHEMA}".deliveries d
        SET attempts = b.number, last_attempt_at = now()
        FROM b, "{SCHEMA}".endpoints e
        WHERE d.id = b.id AND d.claim_token = b.token AND d.status = 'pending'
          AND e.id = d.endpoint_id AND e.enabled
        RETURNING d.id, b.number
    ), handed_back AS (
        -- claimed ahead, but its endpoint was disabled since: nothing is sent, and the delivery is
        -- due again as soon as the endpoint is enabled (not only once this claim's lease ends)
        UPDATE "{SCHEMA}".deliveries d
        SET next_attempt_at = now(), claim_token = NULL
        FROM b, "{SCHEMA}".endpoints e
        WHERE d.id = b.id AND d.claim_token = b.token AND d.status = 'pending'
          AND e.id = d.endpoint_id AND NOT e.enabled
    ), interrupted AS (
        -- an earlier attempt still `sending` lost its worker (this claim could only be made once
        -- that worker's lease had ended)
        UPDATE "{SCHEMA}".delivery_attempts a SET state = 'interrupted'
        FROM begun
        WHERE a.delivery_id = begun.id AND a.state = 'sending'
    )
    INSERT INTO "{SCHEMA}".delivery_attempts (delivery_id, number, state, started_at, succeeded)
    SELECT id, number, 'sending', now(), false FROM begun
    RETURNING delivery_id, id
    """
)


async def begin(
    db: AsyncConnection | AsyncSession, deliveries: list[ClaimedDelivery]
) -> dict[uuid.UUID, int]:
    """Log the attempts about to be made, before any request leaves: the delivery counts each one
    and its log shows it `sending`. Returns the attempt log row of each delivery whose claim still
    holds; a delivery missing from it was taken over (or deleted), or its endpoint was disabled
    after the claim (that claim is handed back), and must not be sent.

    One statement, so it may run in autocommit.
    """
    if not deliveries:
        return {}
    rows = await db.execute(
        _BEGIN,
        {
            "ids": [item.id for item in deliveries],
            "tokens": [item.claim_token for item in deliveries],
            "numbers": [item.attempt for item in deliveries],
        },
    )
    return {row.delivery_id: row.id for row in rows}


_RENEW = text(
    f"""
    UPDATE "{SCHEMA}".deliveries d
    SET next_attempt_at = now() + make_interval(secs => :lease_seconds)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tokens AS uuid[])) AS h(id, token)
    WHERE d.id = h.id AND d.claim_token = h.token
    """
)


async def renew(
    db: AsyncConnection | AsyncSession, deliveries: list[ClaimedDelivery], *, lease_seconds: float
) -> None:
    """Extend the lease of the deliveries a worker still holds (waiting, under way, or not yet
    recorded); one whose claim was taken over or recorded is left alone."""
    if not deliveries:
        return
    await db.execute(
        _RENEW,
        {
            "ids": [item.id for item in deliveries],
            "tokens": [item.claim_token for item in deliveries],
            "lease_seconds": lease_seconds,
        },
    )


_RELEASE = text(
    f"""
    UPDATE "{SCHEMA}".deliveries d
    SET next_attempt_at = now(), claim_token = NULL
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tokens AS uuid[])) AS r(id, token)
    WHERE d.id = r.id AND d.claim_token = r.token
    """
)


async def release(db: AsyncConnection | AsyncSession, deliveries: list[ClaimedDelivery]) -> None:
    """Give back claimed deliveries that were not attempted: due again now."""
    await db.execute(
        _RELEASE,
        {"ids": [item.id for item in deliveries], "tokens": [item.claim_token for item in deliveries]},
    )
