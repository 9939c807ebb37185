"""Use cases of the webhooks service: every state change and its event commit in one transaction.

Each function takes a session already inside a transaction (`shared.db.transaction`). A `Problem`
raised here rolls the whole transaction back, so a refused request writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, exists, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.webhooks import EndpointDisabled, EndpointDisabledReason
from shared.errors import Problem, not_found
from shared.events import CloudEvent
from shared.outbox import Outbox
from webhooks import signing
from webhooks.catalog import published_event_types
from webhooks.destinations import DestinationPolicy, DestinationRefused, check_url
from webhooks.models import (
    Delivery,
    DeliveryStatus,
    DeliveryTrigger,
    Endpoint,
    ReceivedEvent,
    messaging,
)
from webhooks.pinned_transport import resolve_and_check
from webhooks.schemas import EndpointCreate, EndpointUpdate
from webhooks.secret_box import SecretBox
from webhooks.states import Document, delivery_document, endpoint_document, endpoint_state
from webhooks.subscriptions import pattern_problems, subscribed

OUTBOX = Outbox(messaging.outbox)
ENDPOINTS = cast(Table, Endpoint.__table__)
EVENTS = cast(Table, ReceivedEvent.__table__)
DELIVERIES = cast(Table, Delivery.__table__)


def _now() -> datetime:
    return datetime.now(UTC)


def _field_error(field: str, message: str, kind: str) -> dict[str, str]:
    return {"field": f"body.{field}", "message": message, "type": kind}


def _invalid(field: str, message: str, kind: str = "value_error") -> Problem:
    return Problem(422, message, slug="validation-error", errors=[_field_error(field, message, kind)])


async def _checked_url(url: str, policy: DestinationPolicy) -> str:
    """The URL if it is an allowed destination (its host resolved now, and again at every connection)."""
    try:
        destination = check_url(url, policy)
        await resolve_and_check(destination.host, destination.port, policy)
    except DestinationRefused as exc:
        raise _invalid("url", str(exc), "destination_refused") from exc
    return url


def _checked_patterns(patterns: list[str]) -> list[str]:
    problems = pattern_problems(patterns, published_event_types())
    if problems:
        raise Problem(
            422,
            "some event types are not valid",
            slug="validation-error",
            errors=[
                _field_error(f"event_types.{index}", message, "event_type") for index, message in problems
            ],
        )
    return list(dict.fromkeys(patterns))


async def _locked_endpoint(session: AsyncSession, *, organization: str, endpoint_id: uuid.UUID) -> Endpoint:
    endpoint = await session.scalar(
        select(Endpoint)
        .where(Endpoint.id == endpoint_id, Endpoint.organization == organization)
        .with_for_update()
    )
    if endpoint is None:
        raise not_found("endpoint")
    return endpoint


async def _publish_disabled(
    session: AsyncSession,
    endpoint: Endpoint,
    *,
    reason: EndpointDisabledReason,
    last_status_code: int | None = None,
    last_error: str | None = None,
) -> None:
    event = EndpointDisabled(
        endpoint=endpoint_state(endpoint),
        reason=reason,
        last_status_code=last_status_code,
        last_error=last_error,
    )
    await OUTBOX.add(session, event, organization=endpoint.organization, subject=str(endpoint.id))


def _disable(endpoint: Endpoint, reason: EndpointDisabledReason, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason.value
    endpoint.disabled_at = now
    endpoint.version += 1
    endpoint.updated_at = now


# --- endpoints ---------------------------------------------------------------------------------


async def create_endpoint(
    session: AsyncSession,
    *,
    caller: Principal,
    fields: EndpointCreate,
    policy: DestinationPolicy,
    box: SecretBox,
) -> Document:
    """A new endpoint and its secret; the returned document is the only place the secret appears."""
    url = await _checked_url(fields.url, policy)
    patterns = _checked_patterns(fields.event_types)
    secret = signing.new_secret()
    now = _now()
    endpoint = Endpoint(
        id=uuid.uuid4(),
        organization=caller.organization,
        url=url,
        description=fields.description,
        event_types=patterns,
        enabled=fields.enabled,
        disabled_reason=None if fields.enabled else EndpointDisabledReason.ADMIN.value,
        disabled_at=None if fields.enabled else now,
        secret=box.seal(secret),
        previous_secret=None,
        previous_secret_expires_at=None,
        last_success_at=None,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return {**endpoint_document(endpoint), "secret": secret}


async def update_endpoint(
    session: AsyncSession,
    *,
    caller: Principal,
    endpoint_id: uuid.UUID,
    changes: EndpointUpdate,
    if_match: str | None,
    policy: DestinationPolicy,
) -> Document:
    endpoint = await _locked_endpoint(session, organization=caller.organization, endpoint_id=endpoint_id)
    check_if_match(if_match, endpoint.version)
    given = changes.model_fields_set
    for required in ("url", "event_types", "enabled"):
        if required in given and getattr(changes, required) is None:
            raise _invalid(required, f"{required} cannot be null", "null")
    changed = False
    now = _now()
    if changes.url is not None and changes.url != endpoint.url:
        endpoint.url = await _checked_url(changes.url, policy)
        changed = True
    if changes.event_types is not None:
        patterns = _checked_patterns(changes.event_types)
        if patterns != endpoint.event_types:
            endpoint.event_types = patterns
            changed = True
    if "description" in given and changes.description != endpoint.description:
        endpoint.description = changes.description
        changed = True
    disabling = changes.enabled is False and endpoint.enabled
    if changes.enabled is not None and changes.enabled != endpoint.enabled:
        # Re-enabling resumes pending deliveries; events that arrived meanwhile can be replayed.
        endpoint.enabled = changes.enabled
        endpoint.disabled_reason = EndpointDisabledReason.ADMIN.value if disabling else None
        endpoint.disabled_at = now if disabling else None
        changed = True
    if changed:
        endpoint.version += 1
        endpoint.updated_at = now
    if disabling:
        await _publish_disabled(session, endpoint, reason=EndpointDisabledReason.ADMIN)
    await session.flush()
    return endpoint_document(endpoint)


async def delete_endpoint(
    session: AsyncSession, *, caller: Principal, endpoint_id: uuid.UUID, if_match: str | None
) -> None:
    """Delete the endpoint with its deliveries and their log (If-Match is checked when given)."""
    endpoint = await _locked_endpoint(session, organization=caller.organization, endpoint_id=endpoint_id)
    if if_match is not None:
        check_if_match(if_match, endpoint.version)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession,
    *,
    caller: Principal,
    endpoint_id: uuid.UUID,
    overlap: timedelta,
    box: SecretBox,
) -> Document:
    """A new secret; the current one keeps signing beside it for `overlap` (an older one stops now)."""
    endpoint = await _locked_endpoint(session, organization=caller.organization, endpoint_id=endpoint_id)
    secret = signing.new_secret()
    now = _now()
    if overlap > timedelta(0):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + overlap
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = box.seal(secret)
    endpoint.version += 1
    endpoint.updated_at = now
    await session.flush()
    return {**endpoint_document(endpoint), "secret": secret}


async def disable_endpoint(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    reason: EndpointDisabledReason,
    last_status_code: int | None,
    last_error: str | None,
    unless_succeeded_since: datetime | None = None,
) -> bool:
    """Disable an endpoint the deliveries gave up on, and say so in an event. Returns whether it did.

    With `unless_succeeded_since`, an endpoint that succeeded since then is left enabled: it is not
    failing as a whole, one delivery just did not get through.
    """
    endpoint = await session.scalar(select(Endpoint).where(Endpoint.id == endpoint_id).with_for_update())
    if endpoint is None or not endpoint.enabled:
        return False
    if (
        unless_succeeded_since is not None
        and endpoint.last_success_at is not None
        and endpoint.last_success_at >= unless_succeeded_since
    ):
        return False
    _disable(endpoint, reason, _now())
    await session.flush()
    await _publish_disabled(
        session, endpoint, reason=reason, last_status_code=last_status_code, last_error=last_error
    )
    return True


# --- deliveries --------------------------------------------------------------------------------


# One round trip: the event, then its deliveries (their foreign key is checked at statement end).
_ENQUEUE = text(
    """
    WITH kept AS (
        INSERT INTO webhooks.events (id, organization, type, subject, time, body)
        VALUES (:id, :organization, :type, :subject, :time, :body)
        ON CONFLICT (id) DO NOTHING
    )
    INSERT INTO webhooks.deliveries
        (id, organization, endpoint_id, event_id, event_type, trigger, status, attempts,
         next_attempt_at, created_at)
    SELECT gen_random_uuid(), :organization, target, :id, :type, 'event', 'pending', 0, now(), now()
    FROM unnest(CAST(:targets AS uuid[])) AS target
    """
)


async def _organization_endpoints(session: AsyncSession, organization: str) -> list[Any]:
    """The organization's endpoints, read once per transaction (a consumer batch shares one)."""
    cache: dict[str, list[Any]] = session.info.setdefault("webhooks.endpoints", {})
    if organization not in cache:
        cache[organization] = list(
            (
                await session.execute(
                    select(ENDPOINTS.c.id, ENDPOINTS.c.enabled, ENDPOINTS.c.event_types).where(
                        ENDPOINTS.c.organization == organization
                    )
                )
            ).all()
        )
    return cache[organization]


async def enqueue_event(session: AsyncSession, envelope: CloudEvent) -> int:
    """Keep the event and create one delivery per enabled endpoint subscribed to its type.

    Runs in the consumer's transaction with its inbox row, so an event is enqueued exactly once.
    Events of organizations without endpoints are not kept. Returns the deliveries created.
    """
    endpoints = await _organization_endpoints(session, envelope.organization)
    if not endpoints:
        return 0
    targets = [row.id for row in endpoints if row.enabled and subscribed(row.event_types, envelope.type)]
    body = envelope.model_dump_json().encode()
    await session.execute(
        _ENQUEUE,
        {
            "id": envelope.id,
            "organization": envelope.organization,
            "type": envelope.type,
            "subject": envelope.subject,
            "time": envelope.time,
            "body": body,
            "targets": targets,
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
    now = _now()
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
        raise _invalid("to", "`to` must be after `from`", "range")
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
    now = _now()
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
    result = await session.execute(
        insert(DELIVERIES).from_select(
            [
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
            ],
            source,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
