"""Which reminders a session gets: one per participant and offset, due that long before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    recipient_id: uuid.UUID
    minutes_before: int
    due_at: datetime


def plan_reminders(
    *, moment: datetime, recipients: Iterable[uuid.UUID], minutes_before: Iterable[int], now: datetime
) -> list[PlannedReminder]:
    """Reminders before `moment` (a session's start, or an async check-in's due time).

    Offsets already past when the session is booked are left out: someone booking a session for
    30 minutes from now needs no "1 hour before" reminder.
    """
    planned = []
    offsets = sorted(set(minutes_before), reverse=True)
    for recipient in recipients:
        for minutes in offsets:
            due_at = moment - timedelta(minutes=minutes)
            if due_at > now:
                planned.append(PlannedReminder(recipient, minutes, due_at))
    return planned
