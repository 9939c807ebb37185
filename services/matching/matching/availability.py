"""Mutual availability in UTC over the coming weeks (pure: no I/O).

People state weekly windows in local time (their IANA zone) and dated overrides. Windows are
expanded over the concrete dates of a horizon of several weeks and mapped to UTC with zoneinfo, so a
DST change inside the horizon shifts a window exactly as it will really shift. Each person becomes
one flag per 15-minute UTC slot (every real UTC offset is a multiple of 15 minutes). For two people:

- common time = the number of slots both are free in (popcount of the AND of their slot sets);
- a session of L slots fits in week w iff both can start one in the same slot of week w, where a
  person "can start" at t iff free for the L slots from t.

People with the same zone, windows and overrides share one pattern, and the counts between all
mentee and mentor patterns are matrix products of 0/1 slot matrices (popcount(a & b) = a . b),
which BLAS computes far faster than word-wise popcounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES  # 96
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY  # 672
WORDS_PER_WEEK = (SLOTS_PER_WEEK + 63) // 64  # 11: packed weeks start on a word boundary
_SLOT = dt.timedelta(minutes=SLOT_MINUTES)
UTC = dt.UTC
EN_DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class WeeklyAvailability:
    """A person's availability: weekly local windows and dated overrides, in their IANA zone.

    `windows` holds (weekday 0=Monday, start minute, end minute) in local time, end up to 1440.
    `overrides` holds (date, windows of that day); no windows means unavailable that day.
    """

    time_zone: str
    windows: tuple[tuple[int, int, int], ...]
    overrides: tuple[tuple[dt.date, tuple[tuple[int, int], ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Horizon:
    """The coming weeks over which availability is compared: `weeks` weeks from a UTC Monday 00:00."""

    start: dt.datetime
    weeks: int = 4

    @classmethod
    def after(cls, moment: dt.datetime, *, weeks: int = 4) -> Horizon:
        """The horizon starting on the first Monday 00:00 UTC after `moment`."""
        moment = moment.astimezone(UTC)
        days_ahead = 7 - moment.weekday()
        monday = dt.datetime.combine(moment.date() + dt.timedelta(days=days_ahead), dt.time(), UTC)
        return cls(start=monday, weeks=weeks)

    @property
    def slots(self) -> int:
        return self.weeks * SLOTS_PER_WEEK

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(weeks=self.weeks)

    def slot_time(self, slot: int) -> dt.datetime:
        return self.start + slot * _SLOT


@lru_cache(maxsize=1024)
def _zone_slots(zone: str, start: dt.datetime, weeks: int) -> tuple[dt.date, npt.NDArray[np.int32]]:
    """For each local 15-minute slot from the first local day of the horizon: its UTC slot, or -1.

    -1 marks slots outside the horizon and local times that do not exist (the hour skipped when
    clocks spring forward). A repeated local hour (clocks falling back) maps to its first
    occurrence, as zoneinfo does with fold=0.
    """
    tz = ZoneInfo(zone)
    end = start + dt.timedelta(weeks=weeks)
    first_day = start.astimezone(tz).date()
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    days = (last_day - first_day).days + 1
    total = weeks * SLOTS_PER_WEEK
    mapping = np.full(days * SLOTS_PER_DAY, -1, dtype=np.int32)
    slot_seconds = SLOT_MINUTES * 60
    local_slots = np.arange(SLOTS_PER_DAY, dtype=np.int64)
    for index in range(days):
        day = first_day + dt.timedelta(days=index)
        midnight = dt.datetime.combine(day, dt.time())
        last = midnight + dt.timedelta(minutes=24 * 60 - SLOT_MINUTES)
        offset_first = midnight.replace(tzinfo=tz).utcoffset()
        offset_last = last.replace(tzinfo=tz).utcoffset()
        if offset_first == offset_last:
            # No transition that day: every slot is at the same offset.
            assert offset_first is not None
            utc_midnight = (midnight - offset_first).replace(tzinfo=UTC)
            first_slot = (utc_midnight - start).total_seconds() // slot_seconds
            utc = first_slot + local_slots
        else:
            utc = np.empty(SLOTS_PER_DAY, dtype=np.int64)
            for slot in range(SLOTS_PER_DAY):
                naive = midnight + slot * _SLOT
                instant = naive.replace(tzinfo=tz).astimezone(UTC)
                if instant.astimezone(tz).replace(tzinfo=None) != naive:
                    utc[slot] = -1  # skipped by the clock change
                else:
                    utc[slot] = (instant - start).total_seconds() // slot_seconds
        valid = (utc >= 0) & (utc < total)
        mapping[index * SLOTS_PER_DAY : (index + 1) * SLOTS_PER_DAY] = np.where(valid, utc, -1)
    mapping.flags.writeable = False
    return first_day, mapping


def _day_mask(windows: Sequence[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(SLOTS_PER_DAY, dtype=np.bool_)
    for start, end in windows:
        # A window covers the whole slots inside it: starts round up, ends round down.
        mask[-(-start // SLOT_MINUTES) : end // SLOT_MINUTES] = True
    return mask


def free_slots(person: WeeklyAvailability, horizon: Horizon) -> npt.NDArray[np.bool_]:
    """One boolean per UTC slot of the horizon: is the person available then."""
    first_day, mapping = _zone_slots(person.time_zone, horizon.start, horizon.weeks)
    days = len(mapping) // SLOTS_PER_DAY
    week = np.zeros((7, SLOTS_PER_DAY), dtype=np.bool_)
    for weekday, start, end in person.windows:
        week[weekday] |= _day_mask([(start, end)])
    weekdays = (np.arange(days) + first_day.weekday()) % 7
    local = week[weekdays]
    for date, windows in person.overrides:
        index = (date - first_day).days
        if 0 <= index < days:
            local[index] = _day_mask(windows)
    local_flat = local.reshape(-1)
    taken = local_flat & (mapping >= 0)
    free = np.zeros(horizon.slots, dtype=np.bool_)
    free[mapping[taken]] = True
    return free


def session_starts(free: npt.NDArray[np.bool_], session_slots: int) -> npt.NDArray[np.bool_]:
    """Slots from which the person is free for `session_slots` consecutive slots (last axis)."""
    starts = free.copy()
    for shift in range(1, session_slots):
        starts[..., :-shift] &= free[..., shift:]
        starts[..., free.shape[-1] - shift :] = False
    return starts


def pack_weeks(slots: npt.NDArray[np.bool_], weeks: int) -> npt.NDArray[np.uint64]:
    """Pack (n, weeks * 672) flags into (n, weeks, 11) uint64 words, one word-aligned row per week."""
    count = slots.shape[0]
    padded = np.zeros((count, weeks, WORDS_PER_WEEK * 64), dtype=np.bool_)
    padded[:, :, :SLOTS_PER_WEEK] = slots.reshape(count, weeks, SLOTS_PER_WEEK)
    packed = np.ascontiguousarray(np.packbits(padded, axis=-1, bitorder="little"))
    return packed.view("<u8").reshape(count, weeks, WORDS_PER_WEEK).astype(np.uint64)


@dataclass(frozen=True)
class AvailabilityPatterns:
    """The distinct availability patterns of a group of people, and which pattern each person has."""

    free: npt.NDArray[np.bool_]  # (patterns, slots): free in that UTC slot
    starts: npt.NDArray[np.bool_]  # (patterns, slots): a whole session can start in that slot
    index: npt.NDArray[np.int32]  # (people,): the pattern of each person
    horizon: Horizon
    session_slots: int

    @property
    def count(self) -> int:
        return int(self.free.shape[0])

    @cached_property
    def packed_free(self) -> npt.NDArray[np.uint64]:
        return pack_weeks(self.free, self.horizon.weeks)

    @cached_property
    def packed_starts(self) -> npt.NDArray[np.uint64]:
        return pack_weeks(self.starts, self.horizon.weeks)


def patterns(
    people: Sequence[WeeklyAvailability], horizon: Horizon, *, session_minutes: int
) -> AvailabilityPatterns:
    """Slot patterns of `people` over `horizon`, with sessions of `session_minutes`."""
    session_slots = max(1, -(-session_minutes // SLOT_MINUTES))
    distinct: dict[WeeklyAvailability, int] = {}
    index = np.empty(len(people), dtype=np.int32)
    for position, person in enumerate(people):
        index[position] = distinct.setdefault(person, len(distinct))
    free = np.zeros((len(distinct), horizon.slots), dtype=np.bool_)
    for person, row in distinct.items():
        free[row] = free_slots(person, horizon)
    return AvailabilityPatterns(
        free=free,
        starts=session_starts(free, session_slots),
        index=index,
        horizon=horizon,
        session_slots=session_slots,
    )


@dataclass(frozen=True)
class PatternOverlap:
    """Between every mentee pattern and every mentor pattern: common time and feasible weeks."""

    common_slots: npt.NDArray[np.uint16]  # (mentee patterns, mentor patterns): over the horizon
    session_weeks: npt.NDArray[np.int8]  # weeks of the horizon in which a whole common session fits
    weeks: int

    def weekly_minutes(
        self, mentee: npt.NDArray[np.intp], mentor: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float32]:
        """Average weekly common minutes of pattern pairs (mentee[i], mentor[i]) (broadcasting)."""
        return self.common_slots[mentee, mentor].astype(np.float32) * np.float32(SLOT_MINUTES / self.weeks)


SMALL_SIDE = 8


def pattern_overlap(
    mentees: AvailabilityPatterns, mentors: AvailabilityPatterns, *, block_bytes: int = 48 << 20
) -> PatternOverlap:
    """Overlap of every mentee pattern with every mentor pattern.

    popcount(a & b) of 0/1 slot vectors is their dot product, so all pairs at once are a matrix
    product (BLAS, exact in float32 for these counts), blocked over mentee patterns.
    """
    weeks = mentees.horizon.weeks
    rows, cols = mentees.count, mentors.count
    common = np.zeros((rows, cols), dtype=np.uint16)
    session_weeks = np.zeros((rows, cols), dtype=np.int8)
    if rows == 0 or cols == 0:
        return PatternOverlap(common, session_weeks, weeks)
    if rows <= SMALL_SIDE:
        # A few mentees (suggestions): popcounts of packed words beat converting every mentor to floats.
        for row in range(rows):
            free = mentees.packed_free[row][None] & mentors.packed_free
            common[row] = np.bitwise_count(free).sum(axis=(1, 2), dtype=np.int32)
            starts = mentees.packed_starts[row][None] & mentors.packed_starts
            session_weeks[row] = starts.any(axis=2).sum(axis=1, dtype=np.int8)
        return PatternOverlap(common, session_weeks, weeks)
    # Slots in which nobody on one side is ever free add nothing: leave them out of the products.
    used = mentees.free.any(axis=0) & mentors.free.any(axis=0)
    mentor_free = mentors.free[:, used].astype(np.float32).T.copy()
    week_slots: list[npt.NDArray[np.intp]] = []
    mentor_starts: list[npt.NDArray[np.float32]] = []
    starts_used: npt.NDArray[np.bool_] = np.logical_and(
        mentees.starts.any(axis=0), mentors.starts.any(axis=0)
    )
    for week in range(weeks):
        columns = week * SLOTS_PER_WEEK + np.flatnonzero(
            starts_used[week * SLOTS_PER_WEEK : (week + 1) * SLOTS_PER_WEEK]
        )
        week_slots.append(columns)
        mentor_starts.append(mentors.starts[:, columns].astype(np.float32).T.copy())
    block = max(1, block_bytes // (4 * (int(used.sum()) + 2 * cols)))
    for first in range(0, rows, block):
        last = min(rows, first + block)
        counts = mentees.free[first:last][:, used].astype(np.float32) @ mentor_free
        common[first:last] = counts.astype(np.uint16)
        for columns, starts_t in zip(week_slots, mentor_starts, strict=True):
            if len(columns) == 0:
                continue
            starts = mentees.starts[first:last][:, columns].astype(np.float32) @ starts_t
            session_weeks[first:last] += starts > 0.5
    return PatternOverlap(common, session_weeks, weeks)


def common_windows(
    first: WeeklyAvailability, second: WeeklyAvailability, horizon: Horizon
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The common free intervals (UTC) of two people in the first week of the horizon."""
    return intervals(free_slots(first, horizon) & free_slots(second, horizon), horizon)


def intervals(slots: npt.NDArray[np.bool_], horizon: Horizon) -> list[tuple[dt.datetime, dt.datetime]]:
    """Runs of free slots in the first week of the horizon, as UTC intervals."""
    week = slots[:SLOTS_PER_WEEK].astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], week, [0]])))
    return [
        (horizon.slot_time(int(start)), horizon.slot_time(int(end)))
        for start, end in zip(edges[::2], edges[1::2], strict=True)
    ]


def zone_label(zone: str) -> str:
    """A short label of an IANA zone for people: `America/New_York` -> `New York`."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def describe_interval(start: dt.datetime, end: dt.datetime, zone: str) -> str:
    """An interval in a zone's local time, e.g. `Tue 09:00-11:00 Berlin` (with an en dash)."""
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    end_text = local_end.strftime("%H:%M") if local_end.date() == local_start.date() else "24:00"
    if local_end.date() != local_start.date() and local_end.time() != dt.time():
        end_text = local_end.strftime("%a %H:%M")
    return f"{local_start.strftime('%a %H:%M')}{EN_DASH}{end_text} {zone_label(zone)}"
