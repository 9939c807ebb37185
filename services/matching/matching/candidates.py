"""The people a program can match, read from the read model and turned into scoring inputs.

Mentor pools are expensive to build (text model, availability patterns, skill matrices) and are
the same for every mentee's suggestions, so they are cached per program and reused while the
organization's read-model revision, the program's version and the availability horizon are
unchanged. Mentor load (slots held) is not part of the cached pool: it is read on every request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

import anyio
import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.availability import Horizon, WeeklyAvailability
from matching.config import MatchingSettings
from matching.models import (
    Enrollment,
    Exclusion,
    Match,
    MentorSlots,
    Person,
    Preference,
    Program,
    ReadModelRevision,
    SkillLabel,
)
from matching.pool import MentorPool, PairRules, Participant
from matching.scoring import ScoringPolicy, normalized_weights
from shared.contracts.matching import MatchEndReason, MatchStatus
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus

ELIGIBLE_ENROLLMENT = (EnrollmentStatus.PENDING.value, EnrollmentStatus.ACTIVE.value)
NOT_FINAL = tuple(
    status.value
    for status in (MatchStatus.PROPOSED, MatchStatus.REQUESTED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)
)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _minutes(hour_minute: str) -> int:
    hours, _, minutes = hour_minute.partition(":")
    return int(hours) * 60 + int(minutes)


def availability_of(time_zone: str, profile: Mapping[str, Any]) -> WeeklyAvailability:
    """A person's availability from their profile document; none in a zone tzdata does not know."""
    if time_zone not in _known_zones():
        return WeeklyAvailability("UTC", ())
    windows = tuple(
        sorted(
            (int(window["weekday"]), _minutes(window["start"]), _minutes(window["end"]))
            for window in profile.get("availability", [])
        )
    )
    overrides = tuple(
        sorted(
            (
                dt.date.fromisoformat(override["date"]),
                ()
                if override.get("unavailable")
                else tuple(
                    sorted((_minutes(w["start"]), _minutes(w["end"])) for w in override.get("windows", []))
                ),
            )
            for override in profile.get("availability_overrides", [])
        )
    )
    return WeeklyAvailability(time_zone, windows, overrides)


def participant_of(row: Any, *, enrollment_goals: Sequence[str] = ()) -> Participant:
    """Scoring's view of a read-model person (row of `people` columns) in one program."""
    profile: Mapping[str, Any] = row.profile
    goals = [*profile.get("goals", []), *enrollment_goals]
    text = ". ".join([*goals, profile.get("bio") or ""])
    return Participant(
        person_id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        languages=tuple(row.languages),
        availability=availability_of(row.time_zone, profile),
        department=row.department,
        manager_id=row.manager_id,
        seniority=row.seniority,
        years_of_experience=row.years_of_experience,
        text=text,
        skills=tuple((item["skill"], int(item["level"])) for item in profile.get("skills", [])),
        interests=tuple(
            (item["skill"], item.get("current_level"), int(item["target_level"]))
            for item in profile.get("learning_interests", [])
        ),
        guidance=frozenset(profile.get("guidance", [])),
        specializations=frozenset(profile.get("specializations", [])),
        learning_style=profile.get("learning_style"),
    )


def policy_of(program: Program, settings: MatchingSettings) -> ScoringPolicy:
    weeks = settings.availability_horizon_weeks
    return ScoringPolicy(
        weights=normalized_weights(program.score_weights),
        exclude_same_department=program.exclude_same_department,
        min_session_weeks=max(1, -(-3 * weeks // 4)),
        availability_cap_minutes=settings.availability_cap_minutes,
        min_score=settings.min_score,
    )


def horizon_now(settings: MatchingSettings, now: dt.datetime | None = None) -> Horizon:
    return Horizon.after(now or dt.datetime.now(dt.UTC), weeks=settings.availability_horizon_weeks)


_PERSON_COLUMNS = (
    Person.id,
    Person.name,
    Person.time_zone,
    Person.languages,
    Person.department,
    Person.manager_id,
    Person.seniority,
    Person.years_of_experience,
    Person.profile,
)


async def enrolled(
    session: AsyncSession,
    program: Program,
    role: EnrollmentRole,
    *,
    person_ids: Iterable[uuid.UUID] | None = None,
) -> list[Participant]:
    """Active people with a live enrollment in `program` as `role`, in person id order."""
    query = (
        select(*_PERSON_COLUMNS, Enrollment.goals.label("enrollment_goals"))
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.program_id == program.id,
            Enrollment.organization == program.organization,
            Enrollment.role == role.value,
            Enrollment.status.in_(ELIGIBLE_ENROLLMENT),
            Person.active.is_(True),
            Person.organization == program.organization,
        )
        .order_by(Person.id)
    )
    if person_ids is not None:
        query = query.where(Person.id.in_(list(person_ids)))
    rows = (await session.execute(query)).all()
    return [participant_of(row, enrollment_goals=row.enrollment_goals or ()) for row in rows]


async def managers_of(session: AsyncSession, organization: str) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(
        select(Person.id, Person.manager_id).where(
            Person.organization == organization, Person.manager_id.is_not(None)
        )
    )
    return {row.id: row.manager_id for row in rows}


async def pair_rules(
    session: AsyncSession,
    program: Program,
    *,
    managers: Mapping[uuid.UUID, uuid.UUID | None],
    mentee_ids: Sequence[uuid.UUID] | None = None,
    exclude_in_progress: bool = False,
) -> PairRules:
    """Exclusions (admin, avoided by the mentee, declined or broken off before) and preferences."""
    excluded: set[tuple[uuid.UUID, uuid.UUID]] = set()
    preferred: set[tuple[uuid.UUID, uuid.UUID]] = set()
    exclusions = select(Exclusion.mentee_id, Exclusion.mentor_id).where(Exclusion.program_id == program.id)
    past = select(Match.mentee_id, Match.mentor_id).where(
        Match.program_id == program.id,
        or_(
            Match.status == MatchStatus.DECLINED.value,
            and_(
                Match.status == MatchStatus.ENDED.value, Match.end_reason == MatchEndReason.PARTICIPANT.value
            ),
            Match.status.in_(NOT_FINAL) if exclude_in_progress else false(),
        ),
    )
    preferences = select(
        Preference.person_id, Preference.preferred_mentor_ids, Preference.avoided_mentor_ids
    ).where(Preference.program_id == program.id)
    if mentee_ids is not None:
        exclusions = exclusions.where(Exclusion.mentee_id.in_(mentee_ids))
        past = past.where(Match.mentee_id.in_(mentee_ids))
        preferences = preferences.where(Preference.person_id.in_(mentee_ids))
    for row in await session.execute(exclusions.union_all(past)):
        excluded.add((row.mentee_id, row.mentor_id))
    for row in await session.execute(preferences):
        excluded.update((row.person_id, uuid.UUID(mentor)) for mentor in row.avoided_mentor_ids)
        preferred.update((row.person_id, uuid.UUID(mentor)) for mentor in row.preferred_mentor_ids)
    return PairRules(excluded=frozenset(excluded), preferred=frozenset(preferred), managers=managers)


async def enrolled_ids(session: AsyncSession, program: Program, role: EnrollmentRole) -> list[uuid.UUID]:
    """The ids of `enrolled` (without reading their profiles), in the same order."""
    rows = await session.execute(
        select(Person.id)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.program_id == program.id,
            Enrollment.organization == program.organization,
            Enrollment.role == role.value,
            Enrollment.status.in_(ELIGIBLE_ENROLLMENT),
            Person.active.is_(True),
            Person.organization == program.organization,
        )
        .order_by(Person.id)
    )
    return [row.id for row in rows]


async def mentor_load(
    session: AsyncSession, program: Program, mentors: Sequence[uuid.UUID], *, count_open_proposals: bool
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """(open slots, slots held) per mentor; open proposals reserve a slot when `count_open_proposals`."""
    slots = {
        row.mentor_id: (row.capacity, row.used)
        for row in await session.execute(
            select(MentorSlots.mentor_id, MentorSlots.capacity, MentorSlots.used).where(
                MentorSlots.program_id == program.id
            )
        )
    }
    proposed: dict[uuid.UUID, int] = {}
    if count_open_proposals:
        proposed = {
            row.mentor_id: row.held
            for row in await session.execute(
                select(Match.mentor_id, func.count().label("held"))
                .where(Match.program_id == program.id, Match.status == MatchStatus.PROPOSED.value)
                .group_by(Match.mentor_id)
            )
        }
    capacity = np.asarray([slots.get(mentor, (0, 0))[0] for mentor in mentors], dtype=np.int32)
    used = np.asarray([slots.get(mentor, (0, 0))[1] for mentor in mentors], dtype=np.int32)
    reserved = np.asarray([proposed.get(mentor, 0) for mentor in mentors], dtype=np.int32)
    return np.maximum(capacity - used - reserved, 0).astype(np.int32), (used + reserved).astype(np.int32)


async def skill_labels(session: AsyncSession, organization: str) -> dict[str, str]:
    rows = await session.execute(
        select(SkillLabel.slug, SkillLabel.label).where(SkillLabel.organization == organization)
    )
    return {row.slug: row.label for row in rows}


async def revision_of(session: AsyncSession, organization: str) -> int:
    revision = await session.scalar(
        select(ReadModelRevision.revision).where(ReadModelRevision.organization == organization)
    )
    return int(revision or 0)


@dataclass(frozen=True)
class CachedPool:
    """A program's mentor pool as of a read-model revision."""

    key: tuple[int, int, dt.datetime]  # (revision, program version, horizon start)
    pool: MentorPool
    policy: ScoringPolicy
    managers: Mapping[uuid.UUID, uuid.UUID | None]
    skill_labels: Mapping[str, str]

    def open_slots(self, full: Iterable[uuid.UUID]) -> npt.NDArray[np.int32]:
        """1 for every mentor of the pool with an open slot, 0 for the `full` ones."""
        slots = np.ones(self.pool.size, dtype=np.int32)
        for mentor in full:
            column = self.pool.index_of.get(mentor)
            if column is not None:
                slots[column] = 0
        return slots


class PoolCache:
    """The most recently used programs' mentor pools (per process), rebuilt when stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pools: OrderedDict[uuid.UUID, CachedPool] = OrderedDict()
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}

    async def get(self, session: AsyncSession, program: Program, settings: MatchingSettings) -> CachedPool:
        horizon = horizon_now(settings)
        key = (await revision_of(session, program.organization), program.version, horizon.start)
        cached = self._pools.get(program.id)
        if cached is not None and cached.key == key:
            self._pools.move_to_end(program.id)
            return cached
        # One build per program at a time: concurrent requests wait for it instead of repeating it.
        async with self._locks.setdefault(program.id, asyncio.Lock()):
            cached = self._pools.get(program.id)
            if cached is not None and cached.key == key:
                return cached
            mentors = await enrolled(session, program, EnrollmentRole.MENTOR)
            managers = await managers_of(session, program.organization)
            labels = await skill_labels(session, program.organization)
            pool = await anyio.to_thread.run_sync(
                lambda: MentorPool.build(
                    mentors,
                    horizon=horizon,
                    session_minutes=program.session_length_minutes,
                    managers=managers,
                )
            )
            cached = CachedPool(
                key=key,
                pool=pool,
                policy=policy_of(program, settings),
                managers=managers,
                skill_labels=labels,
            )
            if self.size > 0:
                self._pools[program.id] = cached
                self._pools.move_to_end(program.id)
                while len(self._pools) > self.size:
                    self._pools.popitem(last=False)
            return cached


async def full_mentors(session: AsyncSession, program: Program) -> set[uuid.UUID]:
    """Mentors of the program with no open slot now (their accepted and active matches fill it)."""
    rows = await session.execute(
        select(MentorSlots.mentor_id).where(
            MentorSlots.program_id == program.id, MentorSlots.used >= MentorSlots.capacity
        )
    )
    return {row.mentor_id for row in rows}
