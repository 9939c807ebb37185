"""A person's preferences: replaced whole, under If-Match; and the one-click unsubscribe."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import Preferences
from notifications.schemas import PreferencesIn
from shared.concurrency import check_if_match
from shared.errors import not_found


async def _mine(session: AsyncSession, organization: str, person_id: uuid.UUID) -> Preferences | None:
    row = await session.get(Preferences, person_id, with_for_update=True)
    if row is not None and row.organization != organization:
        raise not_found("preferences")  # the same subject claimed by another organization's token
    return row


async def replace(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    changes: PreferencesIn,
    if_match: str | None,
    now: datetime,
) -> Preferences:
    row = await _mine(session, organization, person_id)
    check_if_match(if_match, row.version if row is not None else 0)
    if row is None:
        row = Preferences(person_id=person_id, organization=organization, version=0)
        session.add(row)
    row.kinds = {
        name: choice.model_dump(mode="json", exclude_none=False) for name, choice in changes.kinds.items()
    }
    row.quiet_start = changes.quiet_hours.start if changes.quiet_hours else None
    row.quiet_end = changes.quiet_hours.end if changes.quiet_hours else None
    row.muted = changes.muted
    row.version += 1
    row.updated_at = now
    await session.flush()
    return row


async def unsubscribe(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, kind: str, now: datetime
) -> None:
    """Switch one kind's emails off (RFC 8058 one-click): idempotent, the rest left as it was."""
    row = await _mine(session, organization, person_id)
    if row is None:
        row = Preferences(person_id=person_id, organization=organization, version=0, kinds={}, muted=False)
        session.add(row)
    kinds = dict(row.kinds or {})
    choice = dict(kinds.get(kind) or {})
    channels = dict(choice.get("channels") or {})
    if channels.get("email") is False:
        return
    channels["email"] = False
    choice["channels"] = channels
    choice.setdefault("digest", "off")
    kinds[kind] = choice
    row.kinds = kinds
    row.version += 1
    row.updated_at = now
