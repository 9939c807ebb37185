"""The reminder job: emits due reminders as `SessionReminderDue` events, each exactly once.

Reminders are rows with a stored due time (created with the session, replaced when it moves,
removed when it is canceled), not timers in memory, so they survive restarts. Every replica of
the worker runs the job: a batch of due rows is claimed with `FOR UPDATE SKIP LOCKED`, its events
are written to the outbox and the rows marked sent in the same transaction, so no two replicas
emit one reminder and a crash emits nothing (the rows stay due).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.documents import session_state
from scheduling.models import Reminder, ReminderStatus, Session, messaging
from shared.contracts.scheduling import SessionFormat, SessionReminderDue
from shared.db import transaction
from shared.logging import get_logger
from shared.outbox import Outbox
from shared.runtime import Runtime
from shared.worker import Job

_log = get_logger("scheduling.reminders")
OUTBOX = Outbox(messaging.outbox)


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
            moment = row.ends_at if row.format == SessionFormat.ASYNC else row.starts_at
            reminder.sent_at = now
            if moment <= now:
                reminder.status = ReminderStatus.SKIPPED.value
                continue
            reminder.status = ReminderStatus.SENT.value
            await OUTBOX.add(
                session,
                SessionReminderDue(
                    session=session_state(row),
                    recipient_id=reminder.recipient_id,
                    minutes_before=reminder.minutes_before,
                ),
                organization=row.organization,
                subject=str(row.id),
            )
            emitted += 1
    return emitted, len(claimed)


def reminder_job(*, poll_seconds: float, batch_size: int) -> Job:
    """The worker job: emit due reminders until none are left, then wait `poll_seconds`."""

    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                _, claimed = await emit_due_reminders(
                    runtime.sessions, now=datetime.now(UTC), batch_size=batch_size
                )
                if claimed >= batch_size:
                    continue  # more are due
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be restarting: try again next round
                _log.warning("reminder round failed; will retry", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)

    return run
