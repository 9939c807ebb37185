"""Meeting cadence of a match: when the next session is due, and whether it was missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.contracts.profiles import SessionCadence

# Monthly is four weeks: the next session then falls on the same weekday, so a standing
# meeting keeps its day; the grace period absorbs pairs who meet on calendar-month dates.
CADENCE_INTERVALS: dict[SessionCadence, timedelta] = {
    SessionCadence.WEEKLY: timedelta(days=7),
    SessionCadence.BIWEEKLY: timedelta(days=14),
    SessionCadence.MONTHLY: timedelta(days=28),
}


def interval(cadence: SessionCadence | str) -> timedelta:
    return CADENCE_INTERVALS[SessionCadence(cadence)]


def next_due(
    *, cadence: SessionCadence | str, last_session_at: datetime | None, started_at: datetime
) -> datetime:
    """When the next session is due: one cadence after the last one (or after the start)."""
    return (last_session_at or started_at) + interval(cadence)


def is_missed(
    *,
    cadence: SessionCadence | str,
    last_session_at: datetime | None,
    started_at: datetime,
    upcoming_session_at: datetime | None,
    grace: timedelta,
    now: datetime,
) -> bool:
    """The pair has not met within a cadence (plus grace) and has nothing booked ahead."""
    if upcoming_session_at is not None:
        return False
    return now > next_due(cadence=cadence, last_session_at=last_session_at, started_at=started_at) + grace
