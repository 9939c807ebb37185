"""Turning what happened into notifications: one per event and person, and a delivery per channel.

`notify` runs in the consumer's transaction (or a job's), so the notification, its deliveries and
their idempotency keys commit with the inbox record of the event: a redelivered event finds its
keys taken and adds nothing, and nothing is sent for an event whose handling rolled back. Sending
happens later, in the sender loop (dispatcher.py), which only ever picks up committed deliveries.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import queries
from notifications.delivery_rules import Digest, digest, media, next_allowed, next_digest
from notifications.kinds import KINDS, Medium
from notifications.models import (
    Delivery,
    DeliveryLogEntry,
    DeliveryStatus,
    Notification,
    OrganizationSettings,
)
from notifications.rendering import Override, choose_override, render_subject
from notifications.service import DISPATCH_CHANNEL, LIVE_CHANNEL
from shared.contracts.notifications import Channel
from shared.live import signal


class NotYetKnown(Exception):
    """A person or program an event names has not reached the read models yet (its event travels on
    another stream): the event is retried shortly, with the consumer's backoff."""


@dataclass(frozen=True)
class Notice:
    """What an event means for one person: a kind and what its templates show."""

    organization: str
    person_id: uuid.UUID
    kind: str
    source_key: str  # the event id (or what a job noticed), unique per person and kind
    context: Mapping[str, Any] = field(default_factory=dict)


def delivery_key(*, kind: str, source_key: str, person_id: uuid.UUID, channel: str) -> str:
    """The idempotency key of one notification to one person on one channel."""
    return f"{kind}:{source_key}:{person_id}:{channel}"


def chat_channels(settings: OrganizationSettings | None) -> list[Channel]:
    """The chat services an organization connected."""
    if settings is None:
        return []
    found = []
    if settings.slack_bot_token or settings.slack_webhook_url:
        found.append(Channel.SLACK)
    if settings.teams_webhook_url:
        found.append(Channel.TEAMS)
    return found


@dataclass
class _Cache:
    """What every notice of a consumer's batch (one transaction) reads alike: its organization's
    settings and template overrides, read once per transaction instead of once per notice (an
    organization without settings would otherwise be looked for again each time)."""

    _settings: dict[str, OrganizationSettings | None] = field(default_factory=dict)
    _overrides: dict[tuple[str, str], dict[str, Override]] = field(default_factory=dict)

    async def settings(self, session: AsyncSession, organization: str) -> OrganizationSettings | None:
        if organization not in self._settings:
            self._settings[organization] = await queries.organization_settings(session, organization)
        return self._settings[organization]

    async def overrides(self, session: AsyncSession, organization: str, kind: str) -> dict[str, Override]:
        if (organization, kind) not in self._overrides:
            self._overrides[organization, kind] = await queries.overrides(
                session, organization=organization, kind=kind
            )
        return self._overrides[organization, kind]


def _cache(session: AsyncSession) -> _Cache:
    """The cache of the session's current transaction (a new transaction starts a new one)."""
    transaction = session.sync_session.get_transaction()
    found = session.info.get(_CACHE)
    if found is None or found[0] is not transaction:
        found = (transaction, _Cache())
        session.info[_CACHE] = found
    cache: _Cache = found[1]
    return cache


_CACHE = "notifications.notices.cache"


async def notify(session: AsyncSession, notices: Sequence[Notice], *, now: datetime) -> int:
    """Record the notices for the people who want them; the number of notifications created."""
    created = 0
    wake = False
    for notice in notices:
        outcome = await _notify_one(session, notice, now=now)
        created += outcome is not None
        wake = wake or bool(outcome)
    if wake:
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": DISPATCH_CHANNEL})
    return created


async def _notify_one(session: AsyncSession, notice: Notice, *, now: datetime) -> bool | None:
    """None when nothing was created; else whether a delivery is due at once."""
    kind = KINDS[notice.kind]
    person = await queries.person(session, notice.person_id)
    if person is None:
        raise NotYetKnown(f"person {notice.person_id} is not known yet")
    if not person.active or person.organization != notice.organization:
        return None  # deactivated, or not of this organization: nobody to tell
    cache = _cache(session)
    organization = await cache.settings(session, notice.organization)
    choices = queries.choices_of(await queries.preferences(session, person.organization, person.id))
    chosen = media(kind, choices, critical_when_muted=bool(organization and organization.critical_when_muted))
    if not chosen:
        return None
    override, language = choose_override(
        await cache.overrides(session, notice.organization, kind.name),
        language=person.language,
        kind=kind.name,
    )
    values = {**notice.context, "recipient_name": person.name}
    try:
        title = render_subject(
            kind.name, values, language=language, time_zone=person.time_zone, override=override
        )
    except Exception:  # an override that fails on these values: the built-in wording, not a lost event
        title = render_subject(kind.name, values, language=person.language, time_zone=person.time_zone)
    notification_id = uuid.uuid4()
    inserted = await session.execute(
        insert(Notification)
        .values(
            id=notification_id,
            organization=notice.organization,
            person_id=person.id,
            kind=kind.name,
            source_key=notice.source_key,
            context=dict(notice.context),
            title=title[:300],
            in_inbox=Medium.INBOX in chosen,
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_notifications_person_id")
        .returning(Notification.id)
    )
    if inserted.first() is None:
        return None  # this event was handled for this person already
    if Medium.INBOX in chosen:
        await signal(session, LIVE_CHANNEL, str(person.id))
    channels: list[Channel] = []
    if Medium.EMAIL in chosen:
        channels.append(Channel.EMAIL)
    if Medium.CHAT in chosen:
        channels += chat_channels(organization)
    waiting = digest(kind, choices)
    due_now = False
    rows = []
    for channel in channels:
        held = channel is Channel.EMAIL and waiting is not Digest.OFF
        if held:
            due_at = next_digest(now, period=waiting, time_zone=person.time_zone, choices=choices)
        else:
            due_at = next_allowed(now, time_zone=person.time_zone, choices=choices)
        due_now = due_now or (not held and due_at <= now)
        rows.append(
            {
                "id": uuid.uuid4(),
                "key": delivery_key(
                    kind=kind.name, source_key=notice.source_key, person_id=person.id, channel=channel.value
                ),
                "organization": notice.organization,
                "person_id": person.id,
                "notification_id": notification_id,
                "kind": kind.name,
                "channel": channel.value,
                "status": (DeliveryStatus.HELD if held else DeliveryStatus.QUEUED).value,
                "due_at": due_at,
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        stored = await session.execute(
            insert(Delivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Delivery.id, Delivery.status, Delivery.due_at)
        )
        await session.execute(
            insert(DeliveryLogEntry),
            [
                {
                    "delivery_id": row.id,
                    "organization": notice.organization,
                    "status": row.status,
                    "detail": f"due {row.due_at.isoformat()}",
                }
                for row in stored
            ],
        )
    return due_now


async def cancel_pending(session: AsyncSession, *, person_id: uuid.UUID, reason: str) -> int:
    """Cancel what still waits to be sent to a person (deactivated: nothing further reaches them)."""
    canceled = await session.execute(
        update(Delivery)
        .where(
            Delivery.person_id == person_id,
            Delivery.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.HELD.value]),
        )
        .values(status=DeliveryStatus.CANCELED.value, last_response=reason, updated_at=text("now()"))
        .returning(Delivery.id, Delivery.organization)
    )
    rows = canceled.all()
    if rows:
        await session.execute(
            insert(DeliveryLogEntry),
            [
                {
                    "delivery_id": row.id,
                    "organization": row.organization,
                    "status": "canceled",
                    "detail": reason,
                }
                for row in rows
            ],
        )
    return len(rows)
