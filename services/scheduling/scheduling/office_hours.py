"""Flash slots out of a mentor's weekly office hours (pure: no I/O).

Office hours recur weekly in the mentor's own IANA zone (`weekday`, `start`..`end` local), and are
cut into back-to-back flash sessions of the program's length from their start. Local times are
mapped to UTC per concrete date, so a DST change keeps the hours at the same wall-clock time; a
slot in an hour the clock skips does not exist. A flash session counts towards the mentor's
monthly limit in the month (mentor's zone) it starts in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scheduling.timeline import zone


@dataclass(frozen=True, slots=True)
class Hours:
    """One weekly window of office hours: minutes after local midnight (end up to 1440)."""

    id: uuid.UUID
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class FlashSlot:
    start: datetime  # UTC
    end: datetime
    hours_id: uuid.UUID


def _local(day: date, minute: int, tz_name: str) -> datetime | None:
    """The UTC instant of a local wall-clock minute of `day`, or None when the clock skips it."""
    tz = zone(tz_name)
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=tz)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def flash_slots(
    hours: Sequence[Hours], *, time_zone: str, minutes: int, window_start: datetime, window_end: datetime
) -> list[FlashSlot]:
    """Every flash slot of `hours` starting in `[window_start, window_end)`, in start order."""
    if minutes <= 0 or window_end <= window_start or not hours:
        return []
    tz = zone(time_zone)
    first = window_start.astimezone(tz).date() - timedelta(days=1)
    last = window_end.astimezone(tz).date() + timedelta(days=1)
    found: list[FlashSlot] = []
    day = first
    while day <= last:
        for window in hours:
            if window.weekday != day.weekday():
                continue
            minute = window.start_minute
            while minute + minutes <= window.end_minute:
                start = _local(day, minute, time_zone)
                end = _local(day, minute + minutes, time_zone)
                if start is not None and end is not None and window_start <= start < window_end:
                    found.append(FlashSlot(start, end, window.id))
                minute += minutes
        day += timedelta(days=1)
    found.sort(key=lambda slot: (slot.start, str(slot.hours_id)))
    return found


def slot_at(hours: Sequence[Hours], *, time_zone: str, minutes: int, start: datetime) -> FlashSlot | None:
    """The flash slot starting exactly at `start`, if the office hours have one."""
    for slot in flash_slots(
        hours,
        time_zone=time_zone,
        minutes=minutes,
        window_start=start,
        window_end=start + timedelta(seconds=1),
    ):
        if slot.start == start:
            return slot
    return None


def month_of(moment: datetime, time_zone: str) -> str:
    """The month (YYYY-MM) of `moment` on the wall clock of `time_zone`."""
    return moment.astimezone(zone(time_zone)).strftime("%Y-%m")


def minute_of(clock: str) -> int:
    """`HH:MM` (24:00 allowed) as minutes after midnight."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def clock_of(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
