"""Reads: the people, settings and preferences a notice needs, a person's inbox, the delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.delivery_rules import Choices
from notifications.models import (
    Delivery,
    DeliveryLogEntry,
    Match,
    Notification,
    OrganizationSettings,
    Person,
    Preferences,
    Program,
    TemplateOverride,
)
from notifications.rendering import Override
from shared.pagination import Keyset, keyset_page
from shared.time_of_day import minutes_of_day


async def people(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = (await session.execute(select(Person).where(Person.id.in_(wanted)))).scalars()
    return {row.id: row for row in rows}


async def person(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    return await session.get(Person, person_id)


async def program_name(session: AsyncSession, program_id: uuid.UUID | None) -> str:
    if program_id is None:
        return ""
    program = await session.get(Program, program_id)
    return program.name if program is not None else ""


async def match(session: AsyncSession, match_id: uuid.UUID) -> Match | None:
    return await session.get(Match, match_id)


async def organization_settings(session: AsyncSession, organization: str) -> OrganizationSettings | None:
    return await session.get(OrganizationSettings, organization)


async def preferences(session: AsyncSession, organization: str, person_id: uuid.UUID) -> Preferences | None:
    row = await session.get(Preferences, person_id)
    return row if row is not None and row.organization == organization else None


def _time(value: str | None) -> time | None:
    if not value:
        return None
    minutes = minutes_of_day(value) % (24 * 60)
    return time(minutes // 60, minutes % 60)


def choices_of(row: Preferences | None) -> Choices:
    if row is None:
        return Choices()
    return Choices(
        kinds=row.kinds or {},
        quiet_start=_time(row.quiet_start),
        quiet_end=_time(row.quiet_end),
        muted=row.muted,
    )


async def overrides(session: AsyncSession, *, organization: str, kind: str) -> dict[str, Override]:
    """The organization's own wordings of `kind`, by language."""
    rows = (
        await session.execute(
            select(TemplateOverride).where(
                TemplateOverride.organization == organization, TemplateOverride.kind == kind
            )
        )
    ).scalars()
    return {row.language: Override(row.subject, row.text_body, row.html_body) for row in rows}


# --- the inbox -----------------------------------------------------------------------------------

INBOX_KEY = Keyset((Notification.seq,), descending=True)


def _mine(organization: str, person_id: uuid.UUID) -> list[Any]:
    return [
        Notification.person_id == person_id,
        Notification.organization == organization,
        Notification.in_inbox,
    ]


def inbox_query(organization: str, person_id: uuid.UUID, *, unread_only: bool, archived: bool) -> Select[Any]:
    query = select(Notification).where(*_mine(organization, person_id))
    query = query.where(
        Notification.archived_at.is_not(None) if archived else Notification.archived_at.is_(None)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query


async def inbox_page(
    session: AsyncSession,
    organization: str,
    person_id: uuid.UUID,
    *,
    unread_only: bool,
    archived: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Notification], str | None]:
    return await keyset_page(
        session,
        inbox_query(organization, person_id, unread_only=unread_only, archived=archived),
        key=INBOX_KEY,
        limit=limit,
        cursor=cursor,
        scalars=True,
    )


async def unread_count(session: AsyncSession, organization: str, person_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            *_mine(organization, person_id),
            Notification.read_at.is_(None),
            Notification.archived_at.is_(None),
        )
    )
    return int(count or 0)


async def inbox_after(
    session: AsyncSession, organization: str, person_id: uuid.UUID, seq: int, *, limit: int = 100
) -> list[Notification]:
    """A person's inbox entries after `seq`, oldest first (the live stream)."""
    rows = await session.execute(
        select(Notification)
        .where(*_mine(organization, person_id), Notification.seq > seq)
        .order_by(Notification.seq)
        .limit(limit)
    )
    return list(rows.scalars())


async def notification_of(
    session: AsyncSession, notification_id: uuid.UUID, *, organization: str, person_id: uuid.UUID
) -> Notification | None:
    row = await session.get(Notification, notification_id)
    mine = row is not None and row.person_id == person_id and row.organization == organization
    return row if mine and row is not None and row.in_inbox else None


# --- the delivery log ------------------------------------------------------------------------------

DELIVERY_KEY = Keyset((Delivery.created_at, Delivery.id), descending=True)


async def deliveries_page(
    session: AsyncSession,
    organization: str,
    *,
    status: str | None,
    person_id: uuid.UUID | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Delivery], str | None]:
    query = select(Delivery).where(Delivery.organization == organization)
    if status is not None:
        query = query.where(Delivery.status == status)
    if person_id is not None:
        query = query.where(Delivery.person_id == person_id)
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    return await keyset_page(session, query, key=DELIVERY_KEY, limit=limit, cursor=cursor, scalars=True)


async def delivery_of(session: AsyncSession, delivery_id: uuid.UUID, *, organization: str) -> Delivery | None:
    row = await session.get(Delivery, delivery_id)
    return row if row is not None and row.organization == organization else None


async def delivery_log(session: AsyncSession, delivery_id: uuid.UUID) -> list[DeliveryLogEntry]:
    rows = await session.execute(
        select(DeliveryLogEntry)
        .where(DeliveryLogEntry.delivery_id == delivery_id)
        .order_by(DeliveryLogEntry.id)
    )
    return list(rows.scalars())


async def template_overrides(session: AsyncSession, organization: str) -> list[TemplateOverride]:
    rows = await session.execute(
        select(TemplateOverride)
        .where(TemplateOverride.organization == organization)
        .order_by(TemplateOverride.kind, TemplateOverride.language)
    )
    return list(rows.scalars())


async def template_override(
    session: AsyncSession, *, organization: str, kind: str, language: str
) -> TemplateOverride | None:
    return await session.get(TemplateOverride, (organization, kind, language))
