"""Dates as a person lives them: "today" and "the end of a due date" in their IANA time zone.

A target date is "in the past" when it is before today where its owner lives, and an action item
is overdue once its due date has ended in its owner's time zone. Pure code: no I/O.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The time zone called `name` (UTC when it is unknown or not given)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(time_zone: str | None, now: datetime) -> date:
    """The date it is at `now` in `time_zone`."""
    return now.astimezone(zone(time_zone)).date()


def end_of_day(day: date, time_zone: str | None) -> datetime:
    """The instant (UTC) `day` ends in `time_zone`: the start of the next day there."""
    local_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(time_zone))
    return local_midnight.astimezone(UTC)


def on_time(done_at: datetime | None, target: date | None, time_zone: str | None) -> bool | None:
    """Whether something done at `done_at` met its `target` date where its owner lives (None when
    it is not done or had no target)."""
    if done_at is None or target is None:
        return None
    return today_in(time_zone, done_at) <= target
