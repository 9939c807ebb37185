"""Reminders of sessions: stored with the session, replaced when it moves, removed when it ends,
and emitted as `SessionReminderDue` events, each exactly once.

Reminders are rows with a stored due time, not timers in memory, so they survive restarts. Every
replica of the worker may run `emit_due_reminders` (the `reminders` job): a batch of due rows is
claimed with `FOR UPDATE SKIP LOCKED`, its events are written to the outbox and the rows marked
sent in the same transaction, so no two replicas emit one reminder and a crash emits nothing (the
rows stay due).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.documents import session_state
from scheduling.models import Reminder, ReminderStatus, Session
from scheduling.reminders import plan_reminders
from scheduling.service.publishing import publish
from shared.contracts.scheduling import SessionFormat, SessionReminderDue
from shared.db import transaction


def _reminded_moment(row: Session) -> datetime:
    """What a reminder is about: a timed session's start, an async check-in's due time."""
    return row.ends_at if row.format == SessionFormat.ASYNC else row.starts_at


async def store_reminders(
    session: AsyncSession, row: Session, *, minutes_before: tuple[int, ...], now: datetime
) -> None:
    """The session's reminders for its current sequence, per participant and offset."""
    planned = plan_reminders(
        moment=_reminded_moment(row),
        recipients=(row.mentor_id, row.mentee_id),
        minutes_before=minutes_before,
        now=now,
    )
    if planned:
        await session.execute(
            insert(Reminder),
            [
                {
                    "session_id": row.id,
                    "session_sequence": row.sequence,
                    "organization": row.organization,
                    "recipient_id": reminder.recipient_id,
                    "minutes_before": reminder.minutes_before,
                    "due_at": reminder.due_at,
                    "status": ReminderStatus.PENDING.value,
                }
                for reminder in planned
            ],
        )


async def drop_pending_reminders(session: AsyncSession, row: Session) -> None:
    await session.execute(
        delete(Reminder).where(Reminder.session_id == row.id, Reminder.status == ReminderStatus.PENDING.value)
    )


async def emit_due_reminders(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, batch_size: int = 200
) -> tuple[int, int]:
    """Emit one batch of reminders due by `now`: (emitted, claimed). A reminder whose session has
    already begun (the worker was down past its due time) is marked skipped instead of sent."""
    async with transaction(sessions) as session:
        claimed = (
            await session.execute(
                select(Reminder, Session)
                .join(Session, Session.id == Reminder.session_id)
                .where(Reminder.status == ReminderStatus.PENDING.value, Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(batch_size)
                .with_for_update(of=Reminder, skip_locked=True)
            )
        ).all()
        emitted = 0
        for reminder, row in claimed:
            reminder.sent_at = now
            if _reminded_moment(row) <= now:
                reminder.status = ReminderStatus.SKIPPED.value
                continue
            reminder.status = ReminderStatus.SENT.value
            event = SessionReminderDue(
                session=session_state(row),
                recipient_id=reminder.recipient_id,
                minutes_before=reminder.minutes_before,
            )
            await publish(session, event, row)
            emitted += 1
    return emitted, len(claimed)
