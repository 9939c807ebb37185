"""Weekly availability in local time: windows as minutes since midnight, and their overlaps."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise


def minutes(hour_minute: str) -> int:
    """Minutes since midnight of an `HH:MM` time; `24:00` is 1440, the end of the day."""
    hours, _, mins = hour_minute.partition(":")
    return int(hours) * 60 + int(mins)


def overlaps(windows: Iterable[tuple[int, int]]) -> bool:
    """Whether any two half-open windows `[start, end)` overlap; touching windows do not."""
    ordered = sorted(windows)
    return any(later[0] < earlier[1] for earlier, later in pairwise(ordered))
