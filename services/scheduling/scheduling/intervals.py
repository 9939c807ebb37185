"""Half-open time spans `[start, end)` in whole seconds since the Unix epoch (UTC), and their algebra.

Slot finding works on integers rather than datetimes: the arithmetic is exact, time-zone free and fast.
Every function takes and returns *normalized* lists: sorted, non-empty, non-touching spans.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

Span = tuple[int, int]


def normalize(spans: Iterable[Span]) -> list[Span]:
    """Sort, drop empty spans and merge those that overlap or touch."""
    merged: list[Span] = []
    for start, end in sorted(span for span in spans if span[0] < span[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(left: list[Span], right: list[Span]) -> list[Span]:
    """The time covered by both normalized lists."""
    result: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(spans: list[Span], removed: list[Span]) -> list[Span]:
    """The time covered by `spans` and not by `removed` (both normalized)."""
    result: list[Span] = []
    j = 0
    for start, end in spans:
        cursor = start
        while j < len(removed) and removed[j][1] <= cursor:
            j += 1
        k = j
        while k < len(removed) and removed[k][0] < end:
            if removed[k][0] > cursor:
                result.append((cursor, removed[k][0]))
            cursor = max(cursor, removed[k][1])
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def clip(spans: list[Span], start: int, end: int) -> list[Span]:
    """The part of `spans` inside `[start, end)` (one pass: `spans` are sorted and disjoint)."""
    result: list[Span] = []
    if start >= end:
        return result
    for low, high in spans:
        if high <= start:
            continue
        if low >= end:
            break
        result.append((max(low, start), min(high, end)))
    return result


def seconds(moment: datetime) -> float:
    """Seconds since the epoch of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be time-zone aware")
    return moment.timestamp()


def floor_seconds(moment: datetime) -> int:
    return math.floor(seconds(moment))


def ceil_seconds(moment: datetime) -> int:
    return math.ceil(seconds(moment))


def utc(epoch_seconds: int) -> datetime:
    """The aware UTC datetime of an epoch second."""
    return datetime.fromtimestamp(epoch_seconds, UTC)
