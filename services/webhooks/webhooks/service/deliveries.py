"""Deliveries: each received event enqueued once per subscribed endpoint, and an admin's resends
of one delivery or replays of a time range."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, exists, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem, invalid_field, not_found
from shared.events import CloudEvent
from webhooks.documents import Document, delivery_document
from webhooks.models import Delivery, DeliveryStatus, DeliveryTrigger, Endpoint, ReceivedEvent
from webhooks.subscriptions import subscribed

ENDPOINTS = cast(Table, Endpoint.__table__)
EVENTS = cast(Table, ReceivedEvent.__table__)
DELIVERIES = cast(Table, Delivery.__table__)

# One round trip for a whole consumer batch: its events, then their deliveries (whose foreign key
# is checked at the end of the statement, once the events are in). The SQL is the same whatever the
# batch's size (arrays, not a VALUES list), so it is prepared once.
_ENQUEUE = text(
    """
    WITH kept AS (
        INSERT INTO webhooks.events (id, organization, type, subject, time, body)
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:organizations AS text[]), CAST(:types AS text[]),
            CAST(:subjects AS text[]), CAST(:times AS timestamptz[]), CAST(:bodies AS bytea[])
        )
        ON CONFLICT (id) DO NOTHING
    )
    INSERT INTO webhooks.deliveries
        (id, organization, endpoint_id, event_id, event_type, trigger, status, attempts,
         next_attempt_at, created_at)
    SELECT gen_random_uuid(), d.organization, d.endpoint_id, d.event_id, d.event_type, 'event',
        'pending', 0, now(), now()
    FROM unnest(
        CAST(:delivery_organizations AS text[]), CAST(:delivery_endpoints AS uuid[]),
        CAST(:delivery_events AS uuid[]), CAST(:delivery_types AS text[])
    ) AS d(organization, endpoint_id, event_id, event_type)
    """
)


async def _endpoints_of(session: AsyncSession, organizations: set[str]) -> dict[str, list[Any]]:
    """The endpoints of each organization, read once per transaction (a consumer batch shares one)
    and in one statement for the organizations not read yet."""
    cache: dict[str, list[Any]] = session.info.setdefault("webhooks.endpoints", {})
    missing = [organization for organization in organizations if organization not in cache]
    if missing:
        found: dict[str, list[Any]] = {organization: [] for organization in missing}
        rows = await session.execute(
            select(
                ENDPOINTS.c.organization, ENDPOINTS.c.id, ENDPOINTS.c.enabled, ENDPOINTS.c.event_types
            ).where(ENDPOINTS.c.organization.in_(missing))
        )
        for row in rows:
            found[row.organization].append(row)
        cache.update(found)
    return {organization: cache[organization] for organization in organizations}


async def enqueue_events(session: AsyncSession, envelopes: list[CloudEvent]) -> int:
    """Keep each event and create one delivery per enabled endpoint subscribed to its type, for a
    whole consumer batch in one statement.

    Runs in the consumer's transaction with the inbox rows, so an event is enqueued exactly once.
    Events of organizations without endpoints are not kept. Returns the deliveries created.
    """
    endpoints = await _endpoints_of(session, {envelope.organization for envelope in envelopes})
    events: list[CloudEvent] = []
    targets: list[tuple[str, Any, Any, str]] = []  # (organization, endpoint, event, type)
    for envelope in envelopes:
        candidates = endpoints[envelope.organization]
        if not candidates:
            continue
        events.append(envelope)
        targets.extend(
            (envelope.organization, row.id, envelope.id, envelope.type)
            for row in candidates
            if row.enabled and subscribed(row.event_types, envelope.type)
        )
    if not events:
        return 0
    await session.execute(
        _ENQUEUE,
        {
            "ids": [envelope.id for envelope in events],
            "organizations": [envelope.organization for envelope in events],
            "types": [envelope.type for envelope in events],
            "subjects": [envelope.subject for envelope in events],
            "times": [envelope.time for envelope in events],
            "bodies": [envelope.model_dump_json().encode() for envelope in events],
            "delivery_organizations": [target[0] for target in targets],
            "delivery_endpoints": [target[1] for target in targets],
            "delivery_events": [target[2] for target in targets],
            "delivery_types": [target[3] for target in targets],
        },
    )
    return len(targets)


async def _endpoint_for_sending(session: AsyncSession, *, organization: str, endpoint_id: Any) -> Endpoint:
    endpoint = await session.scalar(
        select(Endpoint).where(Endpoint.id == endpoint_id, Endpoint.organization == organization)
    )
    if endpoint is None:
        raise not_found("endpoint")
    if not endpoint.enabled:
        raise Problem(409, "the endpoint is disabled: enable it first", slug="endpoint-disabled")
    return endpoint


async def resend_delivery(session: AsyncSession, *, caller: Principal, delivery_id: uuid.UUID) -> Document:
    """A new delivery of the same event to the same endpoint, attempted now (same `webhook-id`)."""
    original = await session.scalar(
        select(Delivery).where(Delivery.id == delivery_id, Delivery.organization == caller.organization)
    )
    if original is None:
        raise not_found("delivery")
    await _endpoint_for_sending(session, organization=caller.organization, endpoint_id=original.endpoint_id)
    now = utcnow()
    delivery = Delivery(
        id=uuid.uuid4(),
        organization=original.organization,
        endpoint_id=original.endpoint_id,
        event_id=original.event_id,
        event_type=original.event_type,
        trigger=DeliveryTrigger.RESEND.value,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery_document(delivery)


async def replay(
    session: AsyncSession,
    *,
    caller: Principal,
    endpoint_id: uuid.UUID,
    start: datetime,
    end: datetime,
    only_failed: bool,
) -> int:
    """Deliver again to an endpoint every kept event of [start, end) it subscribes to now.

    Events with a delivery to it still pending are skipped; with `only_failed`, so are events it
    already received successfully. Returns how many deliveries were created.
    """
    if end <= start:
        raise invalid_field("to", "`to` must be after `from`", kind="range")
    endpoint = await _endpoint_for_sending(session, organization=caller.organization, endpoint_id=endpoint_id)
    in_range = and_(EVENTS.c.organization == caller.organization, EVENTS.c.time >= start, EVENTS.c.time < end)
    types = (await session.scalars(select(EVENTS.c.type).where(in_range).distinct())).all()
    wanted = [event_type for event_type in types if subscribed(endpoint.event_types, event_type)]
    if not wanted:
        return 0

    def delivered(*statuses: DeliveryStatus) -> Any:
        return exists().where(
            DELIVERIES.c.endpoint_id == endpoint.id,
            DELIVERIES.c.event_id == EVENTS.c.id,
            DELIVERIES.c.status.in_([status.value for status in statuses]),
        )

    skip = [DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED] if only_failed else [DeliveryStatus.PENDING]
    now = utcnow()
    source = select(
        text("gen_random_uuid()"),
        EVENTS.c.organization,
        literal(endpoint.id),
        EVENTS.c.id,
        EVENTS.c.type,
        literal(DeliveryTrigger.REPLAY.value),
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(now),
        literal(now),
    ).where(in_range, EVENTS.c.type.in_(wanted), ~delivered(*skip))
    columns = [
        "id",
        "organization",
        "endpoint_id",
        "event_id",
        "event_type",
        "trigger",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    result = await session.execute(insert(DELIVERIES).from_select(columns, source))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
