"""A person's inbox: marking entries read or archived."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import Notification
from notifications.schemas import NotificationChange
from shared.concurrency import check_if_match


def change(row: Notification, changes: NotificationChange, *, if_match: str | None, now: datetime) -> None:
    check_if_match(if_match, row.version)
    changed = False
    if changes.read is not None and (row.read_at is not None) != changes.read:
        row.read_at = now if changes.read else None
        changed = True
    if changes.archived is not None and (row.archived_at is not None) != changes.archived:
        row.archived_at = now if changes.archived else None
        changed = True
    if changed:
        row.version += 1


async def read_all(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, up_to: int | None, now: datetime
) -> int:
    statement = update(Notification).where(
        Notification.person_id == person_id,
        Notification.organization == organization,
        Notification.in_inbox,
        Notification.read_at.is_(None),
    )
    if up_to is not None:
        statement = statement.where(Notification.seq <= up_to)
    result = await session.execute(
        statement.values(read_at=now, version=Notification.version + 1).returning(Notification.id)
    )
    return len(result.all())
