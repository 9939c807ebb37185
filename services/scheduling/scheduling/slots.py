"""Common free slots of a match's participants: pure code, no I/O.

The steps, all in UTC epoch seconds:

1. each participant's weekly windows and dated overrides are expanded per local date in their own
   IANA zone and mapped to UTC (DST-exact, see `timeline.py`), then the participants' spans are
   intersected;
2. the possible *starts* of a slot of the session length are derived from the common spans;
3. starts that would collide with time already blocked are removed: a booked session blocks its own
   time plus the buffer after it, and a new slot must keep the same buffer before the next one;
4. starts are limited by the minimum notice, the booking horizon and the requested window;
5. starts are cut on a grid aligned to the wall clock of one zone (`grid_zone`), so a 30-minute grid
   gives :00 and :30 in that zone even when it is UTC+05:45.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from scheduling.availability import Availability
from scheduling.intervals import ceil_seconds, clip, floor_seconds, intersect, normalize, subtract, utc
from scheduling.timeline import OffsetTimeline, covering, zone

_MARGIN = 2 * 86_400


@dataclass(frozen=True, slots=True)
class SlotRules:
    """What makes a slot bookable: its length, grid, buffer, minimum notice and horizon."""

    length: timedelta
    grid: timedelta = timedelta(minutes=15)
    buffer: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=60)

    def __post_init__(self) -> None:
        if self.length <= timedelta(0) or self.grid <= timedelta(0):
            raise ValueError("length and grid must be positive")
        if self.buffer < timedelta(0) or self.minimum_notice < timedelta(0) or self.horizon < timedelta(0):
            raise ValueError("buffer, minimum notice and horizon must not be negative")


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime

    def local(self, time_zone: str) -> tuple[datetime, datetime]:
        """Start and end in `time_zone` (aware datetimes carrying that zone's offset)."""
        tz = zone(time_zone)
        return self.start.astimezone(tz), self.end.astimezone(tz)


def common_slots(
    participants: Sequence[Availability],
    *,
    window_start: datetime,
    window_end: datetime,
    blocked: Sequence[tuple[datetime, datetime]],
    rules: SlotRules,
    now: datetime,
    grid_zone: str,
    limit: int | None = None,
) -> list[Slot]:
    """Slots lying wholly inside `[window_start, window_end)` when every participant is available.

    `blocked` are the participants' existing bookings as the time they keep taken: each session's
    own time plus the buffer after it. Slots come in start order, at most `limit` of them.
    """
    return list(
        _iter_slots(
            participants,
            window_start=window_start,
            window_end=window_end,
            blocked=blocked,
            rules=rules,
            now=now,
            grid_zone=grid_zone,
            limit=limit,
        )
    )


def first_common_slot(
    participants: Sequence[Availability],
    *,
    after: datetime,
    within: timedelta,
    blocked: Sequence[tuple[datetime, datetime]],
    rules: SlotRules,
    now: datetime,
    grid_zone: str,
) -> Slot | None:
    """The earliest common slot starting at or after `after` and ending within `after + within`."""
    found = common_slots(
        participants,
        window_start=after,
        window_end=after + within,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=grid_zone,
        limit=1,
    )
    return found[0] if found else None


def is_bookable(
    participants: Sequence[Availability],
    *,
    start: datetime,
    blocked: Sequence[tuple[datetime, datetime]],
    rules: SlotRules,
    now: datetime,
    grid_zone: str,
) -> bool:
    """Whether a session of `rules.length` starting at `start` is one of the common slots."""
    found = common_slots(
        participants,
        window_start=start,
        window_end=start + rules.length,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=grid_zone,
        limit=1,
    )
    return bool(found) and found[0].start == start


class Refusal(StrEnum):
    """Why a start time is not a bookable slot."""

    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    OFF_GRID = "off_grid"
    UNAVAILABLE = "unavailable"
    CONFLICT = "conflict"


def booking_refusal(
    participants: Sequence[Availability],
    *,
    start: datetime,
    blocked: Sequence[tuple[datetime, datetime]],
    rules: SlotRules,
    now: datetime,
    grid_zone: str,
) -> Refusal | None:
    """None when a session starting at `start` is bookable, else the first reason it is not.

    A conflict with booked time is reported only for a start that would otherwise be fine, so a
    caller can tell "taken" (try another slot) from "never possible" (fix the request).
    """
    if start < now + rules.minimum_notice:
        return Refusal.TOO_SOON
    if start > now + rules.horizon:
        return Refusal.TOO_FAR
    if start.microsecond or not on_grid(start, grid=rules.grid, grid_zone=grid_zone):
        return Refusal.OFF_GRID
    for taken, refusal in (((), Refusal.UNAVAILABLE), (blocked, Refusal.CONFLICT)):
        if not is_bookable(
            participants, start=start, blocked=taken, rules=rules, now=now, grid_zone=grid_zone
        ):
            return refusal
    return None


def on_grid(start: datetime, *, grid: timedelta, grid_zone: str) -> bool:
    """Whether `start` falls on the grid of `grid_zone`'s wall clock."""
    local = start.astimezone(zone(grid_zone))
    offset = local.utcoffset()
    assert offset is not None
    wall = math.floor(start.timestamp()) + int(offset.total_seconds())
    return wall % _whole_seconds(grid) == 0


def _iter_slots(
    participants: Sequence[Availability],
    *,
    window_start: datetime,
    window_end: datetime,
    blocked: Sequence[tuple[datetime, datetime]],
    rules: SlotRules,
    now: datetime,
    grid_zone: str,
    limit: int | None,
) -> Iterator[Slot]:
    length = _whole_seconds(rules.length)
    buffer = _whole_seconds(rules.buffer)
    grid = _whole_seconds(rules.grid)
    # Starts are searched in [first_start, last_start] (inclusive, epoch seconds).
    first_start = max(ceil_seconds(window_start), ceil_seconds(now + rules.minimum_notice))
    last_start = min(floor_seconds(window_end) - length, floor_seconds(now + rules.horizon))
    if first_start > last_start or not participants or limit == 0:
        return
    period = (first_start, last_start + length)

    timelines: dict[str, OffsetTimeline] = {}

    def timeline_of(name: str) -> OffsetTimeline:
        if name not in timelines:
            timelines[name] = covering(name, period[0] - _MARGIN, period[1] + _MARGIN)
        return timelines[name]

    common = participants[0].spans(*period, timeline=timeline_of(participants[0].time_zone))
    for person in participants[1:]:
        if not common:
            return
        common = intersect(common, person.spans(*period, timeline=timeline_of(person.time_zone)))

    # A slot [s, s + length) fits in a common span [x, y) when x <= s <= y - length.
    starts = normalize((x, y - length + 1) for x, y in common if y - x >= length)
    # It collides with a blocked [a, b) when s < b and s + length + buffer > a.
    collisions = normalize((floor_seconds(a) - length - buffer + 1, ceil_seconds(b)) for a, b in blocked)
    starts = clip(subtract(starts, collisions), first_start, last_start + 1)

    found = 0
    grid_timeline = timeline_of(grid_zone)
    for low, high in starts:
        for piece_start, piece_end, offset in grid_timeline.pieces(low, high):
            # The first start on the grid of the local wall clock, i.e. (s + offset) % grid == 0.
            start = math.ceil((piece_start + offset) / grid) * grid - offset
            while start < piece_end:
                yield Slot(utc(start), utc(start + length))
                found += 1
                if limit is not None and found >= limit:
                    return
                start += grid


def _whole_seconds(value: timedelta) -> int:
    return math.ceil(value.total_seconds())
