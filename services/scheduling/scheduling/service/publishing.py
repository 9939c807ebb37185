"""Session changes as events, through scheduling's outbox (in the changing transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import Session, messaging
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)


async def publish(session: AsyncSession, event: Event, row: Session) -> None:
    """Write `event` about session `row` to the outbox; it is published once the transaction commits."""
    await OUTBOX.add(session, event, organization=row.organization, subject=str(row.id))


def mark_changed(row: Session, now: datetime) -> None:
    """Every change raises the session's `version` (its ETag) and its iCalendar `sequence`."""
    row.version += 1
    row.sequence += 1
    row.updated_at = now
