"""Calendars of a match: session cadence in days, check-in periods, program weeks.

Pure code (no I/O); every function takes the moment it reasons about instead of reading a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from shared.contracts.profiles import SessionCadence

SESSION_CADENCE_DAYS: dict[SessionCadence, int] = {
    SessionCadence.WEEKLY: 7,
    SessionCadence.BIWEEKLY: 14,
    SessionCadence.MONTHLY: 30,
}
DEFAULT_SESSION_CADENCE_DAYS = SESSION_CADENCE_DAYS[SessionCadence.BIWEEKLY]


def session_cadence_days(cadence: str | None) -> int:
    """Days between sessions a program plans (biweekly when the program is not known yet)."""
    if cadence is None:
        return DEFAULT_SESSION_CADENCE_DAYS
    return SESSION_CADENCE_DAYS.get(SessionCadence(cadence), DEFAULT_SESSION_CADENCE_DAYS)


def checkin_period(started_at: datetime, now: datetime, cadence_days: int) -> int:
    """The number of whole check-in periods since the match started (0: none is due yet)."""
    if now <= started_at:
        return 0
    return int((now - started_at) / timedelta(days=cadence_days))


def checkin_opens_at(started_at: datetime, period: int, cadence_days: int) -> datetime:
    """When check-in number `period` (1, 2, ...) became due."""
    return started_at + timedelta(days=cadence_days * period)


def week_start(moment: date | datetime) -> date:
    """The Monday (UTC) of the ISO week holding `moment`."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weeks(first: date, last: date) -> list[date]:
    """Mondays of every week from the one holding `first` to the one holding `last`."""
    start, end = week_start(first), week_start(last)
    count = max((end - start).days // 7 + 1, 0)
    return [start + timedelta(weeks=n) for n in range(count)]


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
