"""A time zone's UTC offsets over a period, to turn local wall-clock windows into UTC spans.

`zoneinfo` answers "what is the offset at this instant"; slot finding also needs the reverse,
"which instants show this wall-clock time", which is ambiguous around DST changes: a spring-forward
gap has wall times that never happen, a fall-back hour has wall times that happen twice. The
timeline answers exactly: it finds the offset changes (by bisection on `zoneinfo`) and maps a wall
interval piece by piece, so an instant belongs to the result if and only if the clock on the wall
of that zone reads a time inside the interval at that instant.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduling.intervals import Span, normalize

# No zone changes its offset twice within this step (tzdata's closest changes are months apart).
_SAMPLE_STEP = 6 * 3600


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (raises `ZoneInfoNotFoundError` if unknown)."""
    return ZoneInfo(name)


def offset_at(tz: ZoneInfo, instant: int) -> int:
    """The zone's UTC offset in seconds at an epoch second."""
    offset = datetime.fromtimestamp(instant, tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


class OffsetTimeline:
    """Pieces of constant UTC offset of one zone covering `[start, end)` (epoch seconds).

    Outside the period the first and last offsets are assumed to hold, so build the timeline with
    a margin around the instants it will be asked about.
    """

    def __init__(self, tz: ZoneInfo, start: int, end: int) -> None:
        self.tz = tz
        # starts[i] is where offsets[i] begins; offsets[i] holds until starts[i + 1].
        self.starts: list[int] = [start]
        self.offsets: list[int] = [offset_at(tz, start)]
        cursor = start
        while cursor < end:
            step_end = min(cursor + _SAMPLE_STEP, end)
            if offset_at(tz, step_end) != self.offsets[-1]:
                change = self._first_change(cursor, step_end)
                self.starts.append(change)
                self.offsets.append(offset_at(tz, change))
            cursor = step_end

    def _first_change(self, low: int, high: int) -> int:
        """The first second in `(low, high]` whose offset differs from the one at `low`."""
        before = self.offsets[-1]
        while high - low > 1:
            middle = (low + high) // 2
            if offset_at(self.tz, middle) == before:
                low = middle
            else:
                high = middle
        return high

    def offset_at(self, instant: int) -> int:
        index = bisect_right(self.starts, instant) - 1
        return self.offsets[max(index, 0)]

    def pieces(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """`(piece_start, piece_end, offset)` of the pieces overlapping `[start, end)`, clipped to it."""
        result = []
        for index, offset in enumerate(self.offsets):
            piece_start = self.starts[index] if index else start
            piece_end = self.starts[index + 1] if index + 1 < len(self.starts) else end
            low, high = max(piece_start, start), min(piece_end, end)
            if low < high:
                result.append((low, high, offset))
        return result

    def wall_to_utc(self, wall_start: int, wall_end: int) -> list[Span]:
        """The instants whose local wall-clock time lies in `[wall_start, wall_end)`.

        Wall times are "naive local seconds": the local date and time read as if it were UTC.
        A window opening in a spring-forward gap opens when the gap ends; a window over a
        fall-back hour covers both of its occurrences (and may come back as two spans when only
        part of the repeated hour is inside it).
        """
        spans = []
        for index, offset in enumerate(self.offsets):
            # Instants t with offset `offset` show wall time t + offset.
            low = wall_start - offset
            high = wall_end - offset
            if index:
                low = max(low, self.starts[index])
            if index + 1 < len(self.starts):
                high = min(high, self.starts[index + 1])
            if low < high:
                spans.append((low, high))
        return normalize(spans)


_DAY = 86_400


@lru_cache(maxsize=512)
def _timeline_of_days(name: str, first_day: int, last_day: int) -> OffsetTimeline:
    return OffsetTimeline(zone(name), first_day * _DAY, last_day * _DAY)


def covering(name: str, start: int, end: int) -> OffsetTimeline:
    """A timeline of zone `name` covering at least `[start, end)`, shared by every search over the
    same days: the period is widened to whole UTC days, so searches a few minutes apart (each
    with its own `now`) reuse one timeline instead of sampling the zone again."""
    return _timeline_of_days(name, start // _DAY, -(-end // _DAY))
