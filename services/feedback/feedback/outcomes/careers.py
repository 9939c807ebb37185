"""People's careers as the profile history shows them, in arrays that answer questions about
thousands of people at once: where someone stood on a day, and whether something happened to
them between two days.

Pure code (no I/O, numpy). The history is one row per profile version a person had (from profiles'
person events, kept by version, so replays and late events give the same rows); consecutive
versions tell what changed and when:

- a departure: active, then deactivated (a reactivation makes them active again);
- a promotion: seniority moves up, or the title's rank does (`measures.title_rank`);
- a move: the department changes from one named department to another;
- a skill rise: the self-reported level of a skill listed in both versions goes up.

Days are whole days since 1970-01-01 (UTC); a person's day of a version is when that version was
made, kept non-decreasing along their versions.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from feedback.outcomes.measures import Career, seniority_rank, title_rank
from shared.contracts.profiles import Seniority
from shared.groups import UNKNOWN

EPOCH = date(1970, 1, 1)
DAY_SPAN = 1 << 22  # more days than any date holds: person * DAY_SPAN + day is a sortable key
DEPARTED = "departed"
# Questions about this many people on one day are answered for everyone at once, and kept.
SHARED_DAY_FROM = 2000
CACHED_DAYS = 96
# Coarsened tenure (days since the person joined the organization's profiles) for matching.
TENURE_BANDS_DAYS = (90, 365, 3 * 365)
TENURE_LABELS = ("under 90 days", "90 days to 1 year", "1 to 3 years", "3 years or more")
SENIORITY_NAMES = [level.value for level in Seniority]  # by rank


def day_number(moment: date | datetime) -> int:
    """Days since 1970-01-01 of a date (or of a datetime's UTC date)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return (day - EPOCH).days


def day_date(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(number))


@dataclass(frozen=True)
class ProfileVersion:
    """One version of a person's profile, as far as outcomes are concerned."""

    person_id: uuid.UUID
    version: int
    day: int  # when this version was made
    joined_day: int  # when the person was added (their tenure starts)
    active: bool
    department: str | None = None
    seniority: str | None = None
    title: str | None = None
    region: str | None = None
    skills: Mapping[str, int] = field(default_factory=dict)


def _code(names: dict[str, int], value: str | None) -> int:
    if value is None or not value.strip():
        return 0  # unknown
    key = value.strip()
    if key not in names:
        names[key] = len(names) + 1
    return names[key]


@dataclass
class Careers:
    """The organization's people and their histories, as arrays (see the module docstring)."""

    people: list[uuid.UUID]
    row_person: np.ndarray
    row_day: np.ndarray
    row_active: np.ndarray
    row_department: np.ndarray  # codes into `departments` (0: unknown)
    row_seniority: np.ndarray  # rank, -1 unknown
    row_region: np.ndarray  # codes into `regions` (0: unknown)
    joined_day: np.ndarray  # per person
    events: dict[str, np.ndarray]  # kind -> sorted keys person * DAY_SPAN + day
    departments: list[str]  # code -> name (code 0: unknown)
    regions: list[str]
    index: dict[uuid.UUID, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {person: number for number, person in enumerate(self.people)}
        self._row_keys = self.row_person.astype(np.int64) * DAY_SPAN + self.row_day
        self._everyone = np.arange(self.size, dtype=np.int64) * DAY_SPAN
        self._positions_on: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._segments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @property
    def size(self) -> int:
        return len(self.people)

    def numbers(self, people: Iterable[uuid.UUID]) -> np.ndarray:
        """Person numbers of `people` (-1 for people without a profile history)."""
        return np.fromiter((self.index.get(person, -1) for person in people), dtype=np.int64)

    def _positions(self, name: str, keys: np.ndarray, persons: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Where each (person, day) falls in `keys` (sorted person * DAY_SPAN + day), after equal keys.

        Comparison groups ask about everyone on one day, and about the same days again and again:
        those answers are computed once for everyone and kept (the last `CACHED_DAYS` days)."""
        persons = np.asarray(persons, dtype=np.int64)
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), persons.shape)
        if persons.size < SHARED_DAY_FROM or not (days == days.flat[0]).all():
            return np.searchsorted(keys, persons * DAY_SPAN + days, side="right")
        key = (name, int(days.flat[0]))
        everyone = self._positions_on.get(key)
        if everyone is None:
            everyone = self._everyone_on(name, keys, key[1])
            self._positions_on[key] = everyone
            if len(self._positions_on) > CACHED_DAYS:
                self._positions_on.popitem(last=False)
        else:
            self._positions_on.move_to_end(key)
        return everyone[np.maximum(persons, 0)]

    def _everyone_on(self, name: str, keys: np.ndarray, day: int) -> np.ndarray:
        """`_positions` of every person on `day`: each person's keys are a run sorted by day, so
        the position is the run's start plus how many of its days are on or before `day` (a
        cumulative count over all keys, no search)."""
        segments = self._segments.get(name)
        if segments is None:
            starts = np.searchsorted(keys, self._everyone, side="left")
            ends = np.searchsorted(keys, self._everyone + DAY_SPAN, side="left")
            segments = (starts, ends, keys % DAY_SPAN)
            self._segments[name] = segments
        starts, ends, key_days = segments
        on_or_before = np.concatenate(([0], np.cumsum(key_days <= day)))
        return starts + on_or_before[ends] - on_or_before[starts]

    def rows_at(self, persons: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The history row holding each person's profile at the end of each day (-1: none yet)."""
        persons = np.asarray(persons, dtype=np.int64)
        rows = self._positions("rows", self._row_keys, persons, days) - 1
        valid = (rows >= 0) & (persons >= 0)
        valid[valid] &= self.row_person[rows[valid]] == persons[valid]
        return np.where(valid, rows, -1)

    def active_at(self, persons: np.ndarray, days: np.ndarray) -> np.ndarray:
        rows = self.rows_at(persons, days)
        return (rows >= 0) & self.row_active[np.maximum(rows, 0)]

    def happened(self, kind: str, persons: np.ndarray, after: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Whether an event of `kind` happened to each person in the days (after, until]."""
        keys = self.events[kind]
        return self._positions(kind, keys, persons, until) > self._positions(kind, keys, persons, after)

    def outcome(self, career: Career, persons: np.ndarray, start: np.ndarray, horizon: int) -> np.ndarray:
        """Each person's yes/no outcome `horizon` days after their `start` day."""
        end = np.asarray(start, dtype=np.int64) + horizon
        if career is Career.STAYED:
            return self.active_at(persons, end)
        return self.happened(career.value, persons, start, end)

    def tenure_band(self, persons: np.ndarray, days: np.ndarray) -> np.ndarray:
        tenure = np.asarray(days) - self.joined_day[np.maximum(np.asarray(persons), 0)]
        return np.digitize(tenure, TENURE_BANDS_DAYS)

    def attributes_at(self, persons: np.ndarray, days: np.ndarray) -> dict[str, list[str]]:
        """Group attributes of each person on each day, as names (`unknown` when not known)."""
        rows = self.rows_at(persons, days)
        safe = np.maximum(rows, 0)
        department = np.where(rows >= 0, self.row_department[safe], 0)
        region = np.where(rows >= 0, self.row_region[safe], 0)
        seniority = np.where(rows >= 0, self.row_seniority[safe], -1)
        return {
            "department": [self.departments[code] for code in department],
            "seniority": [SENIORITY_NAMES[rank] if rank >= 0 else UNKNOWN for rank in seniority],
            "time_zone_region": [self.regions[code] for code in region],
        }


@dataclass(frozen=True)
class VersionColumns:
    """Profile versions as columns, ordered by person, then version (how the database hands them
    over: no objects per row), with whether a listed skill's level rose from the version before."""

    person_ids: Sequence[uuid.UUID]
    days: Sequence[int]
    joined_days: Sequence[int]
    active: Sequence[bool]
    departments: Sequence[str | None]
    seniorities: Sequence[str | None]
    titles: Sequence[str | None]
    regions: Sequence[str | None]
    skill_rose: Sequence[bool]


def skill_rose(before: Mapping[str, int], after: Mapping[str, int]) -> bool:
    """Whether the level of a skill listed in both versions went up."""
    return before != after and any(level > before[skill] for skill, level in after.items() if skill in before)


def careers_from(versions: Iterable[ProfileVersion]) -> Careers:
    """The careers of everyone in `versions` (any order; one row per person and version)."""
    ordered = sorted(versions, key=lambda row: (row.person_id.int, row.version))
    rose = [
        number > 0
        and ordered[number - 1].person_id == row.person_id
        and skill_rose(ordered[number - 1].skills, row.skills)
        for number, row in enumerate(ordered)
    ]
    return careers_from_columns(
        VersionColumns(
            person_ids=[row.person_id for row in ordered],
            days=[row.day for row in ordered],
            joined_days=[row.joined_day for row in ordered],
            active=[row.active for row in ordered],
            departments=[row.department for row in ordered],
            seniorities=[row.seniority for row in ordered],
            titles=[row.title for row in ordered],
            regions=[row.region for row in ordered],
            skill_rose=rose,
        )
    )


def careers_from_columns(columns: VersionColumns) -> Careers:
    """The careers of everyone in `columns` (ordered by person, then version)."""
    ids = columns.person_ids
    count = len(ids)
    new = np.ones(count, dtype=bool)
    if count > 1:
        new[1:] = np.fromiter(
            (a != b for a, b in zip(ids[1:], ids[:-1], strict=True)), dtype=bool, count=count - 1
        )
    row_person = np.cumsum(new) - 1
    firsts = np.nonzero(new)[0]
    # Versions never go back in time: each day is at least the person's previous one.
    raw_day = np.asarray(columns.days, dtype=np.int64).reshape(count)
    row_day = np.maximum.accumulate(row_person * DAY_SPAN + raw_day) - row_person * DAY_SPAN
    row_active = np.asarray(columns.active, dtype=bool).reshape(count)
    departments: dict[str, int] = {}
    regions: dict[str, int] = {}
    row_department = _codes(departments, columns.departments)
    row_region = _codes(regions, columns.regions)
    row_seniority = _ranks(columns.seniorities, seniority_rank)
    row_title = _ranks(columns.titles, title_rank)
    # A department change counts whatever the case or spacing of the names.
    folded: dict[str, int] = {}
    names = [UNKNOWN, *departments]
    fold = np.asarray([0, *(_code(folded, name.casefold()) for name in names[1:])], dtype=np.int32)
    row_department_key = fold[row_department]

    same = ~new  # the row has a previous version of the same person just before it
    before = np.maximum(np.arange(count) - 1, 0)
    departed = same & row_active[before] & ~row_active
    seniority_up = (
        (row_seniority[before] >= 0) & (row_seniority >= 0) & (row_seniority > row_seniority[before])
    )
    title_up = (row_title[before] >= 0) & (row_title >= 0) & (row_title > row_title[before])
    promoted = same & (seniority_up | title_up)
    moved = (
        same
        & (row_department_key[before] > 0)
        & (row_department_key > 0)
        & (row_department_key != row_department_key[before])
    )
    rose = same & np.asarray(columns.skill_rose, dtype=bool).reshape(count)
    keys = row_person * DAY_SPAN + row_day
    events = {
        DEPARTED: np.sort(keys[departed]),
        Career.PROMOTED.value: np.sort(keys[promoted]),
        Career.MOVED.value: np.sort(keys[moved]),
        Career.SKILL_ROSE.value: np.sort(keys[rose]),
        Career.STAYED.value: np.empty(0, dtype=np.int64),
    }
    joined = np.asarray(columns.joined_days, dtype=np.int64).reshape(count)
    return Careers(
        people=[ids[first] for first in firsts.tolist()],
        row_person=row_person,
        row_day=row_day,
        row_active=row_active,
        row_department=row_department,
        row_seniority=row_seniority,
        row_region=row_region,
        joined_day=joined[firsts],
        events=events,
        departments=names,
        regions=[UNKNOWN, *regions],
    )


def _codes(names: dict[str, int], values: Sequence[str | None]) -> np.ndarray:
    """Codes of each value (0: unknown), counting distinct values once."""
    seen: dict[str | None, int] = {}
    for value in values:
        if value not in seen:
            seen[value] = _code(names, value)
    return np.fromiter((seen[value] for value in values), dtype=np.int32, count=len(values))


def _ranks(values: Sequence[str | None], rank: Callable[[str | None], int | None]) -> np.ndarray:
    seen: dict[str | None, int] = {}
    for value in values:
        if value not in seen:
            seen[value] = _rank_or_none(rank(value))
    return np.fromiter((seen[value] for value in values), dtype=np.int8, count=len(values))


def _rank_or_none(rank: int | None) -> int:
    return -1 if rank is None else rank
