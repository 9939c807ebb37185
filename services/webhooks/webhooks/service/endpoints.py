"""Endpoints: registering one, changing it, rotating its secret, deleting it, and disabling it
when its deliveries give up (with an `EndpointDisabled` event in the same transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.webhooks import EndpointDisabled, EndpointDisabledReason
from shared.errors import Problem, invalid_field, not_found
from shared.outbound import DestinationPolicy, DestinationRefused, check_url, resolve_and_check
from shared.outbox import Outbox
from shared.secret_box import SecretBox
from webhooks import signing
from webhooks.catalog import published_event_types
from webhooks.documents import Document, endpoint_document, endpoint_state, endpoint_with_secret
from webhooks.models import Endpoint, messaging
from webhooks.schemas import EndpointCreate, EndpointUpdate
from webhooks.subscriptions import pattern_problems

OUTBOX = Outbox(messaging.outbox)


async def _checked_url(url: str, policy: DestinationPolicy) -> str:
    """The URL if it is an allowed destination (its host resolved now, and again at every connection)."""
    try:
        destination = check_url(url, policy)
        await resolve_and_check(destination.host, destination.port, policy)
    except DestinationRefused as exc:
        raise invalid_field("url", str(exc), kind="destination_refused") from exc
    return url


def _checked_patterns(patterns: list[str]) -> list[str]:
    problems = pattern_problems(patterns, published_event_types())
    if problems:
        raise Problem(
            422,
            "some event types are not valid",
            slug="validation-error",
            errors=[
                {"field": f"body.event_types.{index}", "message": message, "type": "event_type"}
                for index, message in problems
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
    now = utcnow()
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
    return endpoint_with_secret(endpoint, secret)


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
            raise invalid_field(required, f"{required} cannot be null", kind="null")
    changed = False
    now = utcnow()
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
    now = utcnow()
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
    return endpoint_with_secret(endpoint, secret)


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
    now = utcnow()
    endpoint.enabled = False
    endpoint.disabled_reason = reason.value
    endpoint.disabled_at = now
    endpoint.version += 1
    endpoint.updated_at = now
    await session.flush()
    await _publish_disabled(
        session, endpoint, reason=reason, last_status_code=last_status_code, last_error=last_error
    )
    return True
