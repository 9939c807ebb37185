"""A person's availability: weekly windows in their local time, dated overrides, and the UTC spans
they amount to over a period.

Windows are `HH:MM` local times in the person's IANA zone (`24:00` is the end of the day), as
profiles publishes them. An override replaces the weekly windows of its local date: with
`unavailable` (or no windows) the person is not available that day at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from scheduling.intervals import Span, clip, normalize
from scheduling.timeline import OffsetTimeline, zone
from shared.time_of_day import minutes_of_day

_EPOCH = date(1970, 1, 1)
_DAY = 86_400
# Wider than any UTC offset (-12:00 .. +14:00), so every local date touching a period is covered.
_MARGIN = 2 * _DAY


@dataclass(frozen=True, slots=True)
class Window:
    """`[start, end)` in minutes since local midnight."""

    start: int
    end: int

    @classmethod
    def parse(cls, start: str, end: str) -> Window:
        return cls(minutes_of_day(start), minutes_of_day(end))


@dataclass(frozen=True)
class Availability:
    """When a person can meet, in their own time zone."""

    time_zone: str
    weekly: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)  # 0 = Monday
    overrides: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)  # empty: not available

    @classmethod
    def from_profile(
        cls,
        *,
        time_zone: str,
        availability: Iterable[Mapping[str, Any]],
        overrides: Iterable[Mapping[str, Any]],
    ) -> Availability:
        """From the JSON shapes of profiles' `AvailabilityWindow` and `AvailabilityOverride`."""
        weekly: dict[int, list[Window]] = {}
        for item in availability:
            weekly.setdefault(int(item["weekday"]), []).append(Window.parse(item["start"], item["end"]))
        dated: dict[date, tuple[Window, ...]] = {}
        for item in overrides:
            day = item["date"] if isinstance(item["date"], date) else date.fromisoformat(item["date"])
            windows = (
                ()
                if item.get("unavailable")
                else tuple(
                    Window.parse(window["start"], window["end"]) for window in item.get("windows") or ()
                )
            )
            dated[day] = windows
        return cls(
            time_zone=time_zone,
            weekly={day: tuple(sorted(windows, key=lambda w: w.start)) for day, windows in weekly.items()},
            overrides=dated,
        )

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The local windows of one local date: its override if it has one, else its weekday's."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())

    def timeline(self, start: int, end: int) -> OffsetTimeline:
        """This person's zone offsets over `[start, end)`, with the margin `spans` needs."""
        return OffsetTimeline(zone(self.time_zone), start - _MARGIN, end + _MARGIN)

    def spans(self, start: int, end: int, *, timeline: OffsetTimeline | None = None) -> list[Span]:
        """The UTC spans within `[start, end)` (epoch seconds) when this person is available."""
        if start >= end:
            return []
        timeline = timeline or self.timeline(start, end)
        tz = timeline.tz
        first = datetime.fromtimestamp(start, tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end, tz).date() + timedelta(days=1)
        found: list[Span] = []
        day = first
        while day <= last:
            wall_midnight = (day - _EPOCH).days * _DAY
            for window in self.windows_on(day):
                found.extend(
                    timeline.wall_to_utc(wall_midnight + window.start * 60, wall_midnight + window.end * 60)
                )
            day += timedelta(days=1)
        return clip(normalize(found), start, end)
