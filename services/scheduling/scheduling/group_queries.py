"""Reads of circle sessions, flash sessions and office hours, scoped to one organization: a person
sees the sessions they are (or were) in, admins and the integration every one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import CircleSession, FlashSession, OfficeHours
from shared.pagination import keyset_page


def _attended_by(person_id: uuid.UUID) -> object:
    return CircleSession.participants.contains([{"person_id": str(person_id)}])


async def circle_sessions_page(
    db: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    circle_id: uuid.UUID | None,
    status: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[CircleSession], str | None]:
    """A page of circle sessions in start order (of `viewer` only, unless None)."""
    query = select(CircleSession).where(CircleSession.organization == organization)
    if viewer is not None:
        query = query.where(_attended_by(viewer))  # type: ignore[arg-type]
    if circle_id is not None:
        query = query.where(CircleSession.circle_id == circle_id)
    if status is not None:
        query = query.where(CircleSession.status == status)
    if starts_from is not None:
        query = query.where(CircleSession.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(CircleSession.starts_at < starts_before)
    return await keyset_page(
        db, query, key=(CircleSession.starts_at, CircleSession.id), limit=limit, cursor=cursor, scalars=True
    )


async def flash_sessions_page(
    db: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    program_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[FlashSession], str | None]:
    """A page of flash sessions in start order (of `viewer` only, unless None)."""
    query = select(FlashSession).where(FlashSession.organization == organization)
    if viewer is not None:
        query = query.where(or_(FlashSession.mentor_id == viewer, FlashSession.mentee_id == viewer))
    if program_id is not None:
        query = query.where(FlashSession.program_id == program_id)
    if status is not None:
        query = query.where(FlashSession.status == status)
    return await keyset_page(
        db, query, key=(FlashSession.starts_at, FlashSession.id), limit=limit, cursor=cursor, scalars=True
    )


async def office_hours_of(
    db: AsyncSession, *, organization: str, program_id: uuid.UUID, mentor_id: uuid.UUID | None
) -> Sequence[OfficeHours]:
    query = select(OfficeHours).where(
        OfficeHours.organization == organization,
        OfficeHours.program_id == program_id,
        OfficeHours.active.is_(True),
    )
    if mentor_id is not None:
        query = query.where(OfficeHours.mentor_id == mentor_id)
    return list(
        await db.scalars(query.order_by(OfficeHours.mentor_id, OfficeHours.weekday, OfficeHours.start_minute))
    )


async def group_sessions_of_person(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID, since: datetime, limit: int = 2000
) -> tuple[Sequence[CircleSession], Sequence[FlashSession]]:
    """A person's circle and flash sessions from `since` on, canceled ones included (calendars
    remove them); circle sessions they left show as canceled to them."""
    circles = await db.scalars(
        select(CircleSession)
        .where(
            CircleSession.organization == organization,
            _attended_by(person_id),  # type: ignore[arg-type]
            CircleSession.ends_at >= since,
        )
        .order_by(CircleSession.starts_at, CircleSession.id)
        .limit(limit)
    )
    flashes = await db.scalars(
        select(FlashSession)
        .where(
            FlashSession.organization == organization,
            or_(FlashSession.mentor_id == person_id, FlashSession.mentee_id == person_id),
            FlashSession.ends_at >= since,
        )
        .order_by(FlashSession.starts_at, FlashSession.id)
        .limit(limit)
    )
    return list(circles), list(flashes)
