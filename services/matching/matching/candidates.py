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
from matching.fit import WorkingStyleFacts, rescaled_traits
from matching.intake import criteria_of
from matching.models import (
    CourseAssignment,
    Enrollment,
    Exclusion,
    IdentityGroups,
    Match,
    MentorSlots,
    Person,
    PersonalityProfile,
    Preference,
    Program,
    ReadinessGate,
    ReadModelRevision,
    SkillLabel,
)
from matching.pool import MentorPool, PairRules, Participant
from matching.readiness import CourseProgress, Gates, HeldBack, held_back_by
from matching.scoring import ScoringPolicy, normalized_weights, personality_fit_of
from shared.clock import utcnow
from shared.contracts.matching import MatchEndReason, MatchStatus
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus, ProgramFormat, SeniorityDirection
from shared.time_of_day import minutes_of_day

ELIGIBLE_ENROLLMENT = (EnrollmentStatus.PENDING.value, EnrollmentStatus.ACTIVE.value)
NOT_FINAL = tuple(
    status.value
    for status in (MatchStatus.PROPOSED, MatchStatus.REQUESTED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)
)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def availability_of(time_zone: str, profile: Mapping[str, Any]) -> WeeklyAvailability:
    """A person's availability from their profile document; none in a zone tzdata does not know."""
    if time_zone not in _known_zones():
        return WeeklyAvailability("UTC", ())
    windows = tuple(
        sorted(
            (int(window["weekday"]), minutes_of_day(window["start"]), minutes_of_day(window["end"]))
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
                    sorted(
                        (minutes_of_day(window["start"]), minutes_of_day(window["end"]))
                        for window in override.get("windows", [])
                    )
                ),
            )
            for override in profile.get("availability_overrides", [])
        )
    )
    return WeeklyAvailability(time_zone, windows, overrides)


def participant_of(
    row: Any,
    *,
    enrollment_goals: Sequence[str] = (),
    traits: Mapping[str, float] | None = None,
    working_style: Mapping[str, Any] | None = None,
    intake: Mapping[str, Sequence[str]] | None = None,
    identity: Mapping[str, str] | None = None,
) -> Participant:
    """Scoring's view of a read-model person (row of `people` columns) in one program, with their
    personality, working style, answers to the program's intake criteria and the pseudonymous keys
    of what they asked to be matched on."""
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
        traits=rescaled_traits(traits),
        working_style=WorkingStyleFacts.of(working_style),
        intake={question: tuple(options) for question, options in (intake or {}).items()},
        identity=dict(identity or {}),
    )


def policy_of(program: Program, settings: MatchingSettings) -> ScoringPolicy:
    weeks = settings.availability_horizon_weeks
    return ScoringPolicy(
        weights=normalized_weights(program.score_weights),
        exclude_same_department=program.exclude_same_department,
        min_session_weeks=max(1, -(-3 * weeks // 4)),
        availability_cap_minutes=settings.availability_cap_minutes,
        min_score=settings.min_score,
        personality_fit=personality_fit_of(program.personality_fit),
        **seniority_of(program),
    )


def seniority_of(program: Program) -> dict[str, Any]:
    """The program's seniority direction and band: peers within their band either way; otherwise the
    default band, pointing up (the mentor above) or, in reverse mentoring, down."""
    settings = program.format_settings or {}
    direction = str(settings.get("seniority_direction") or SeniorityDirection.MENTOR_SENIOR.value)
    if program.format == ProgramFormat.PEER.value:
        band = int((settings.get("peer") or {}).get("seniority_band", 1))
        return {"seniority_direction": SeniorityDirection.EITHER.value, "seniority_band": (0, band)}
    return {"seniority_direction": direction}


def horizon_now(settings: MatchingSettings, now: dt.datetime | None = None) -> Horizon:
    return Horizon.after(now or utcnow(), weeks=settings.availability_horizon_weeks)


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
        select(
            *_PERSON_COLUMNS,
            Enrollment.goals.label("enrollment_goals"),
            Enrollment.matching_answers.label("intake"),
            PersonalityProfile.traits.label("traits"),
            PersonalityProfile.working_style.label("working_style"),
            IdentityGroups.matching.label("identity"),
        )
        .join(Enrollment, Enrollment.person_id == Person.id)
        .outerjoin(PersonalityProfile, PersonalityProfile.person_id == Person.id)
        .outerjoin(IdentityGroups, IdentityGroups.person_id == Person.id)
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
    return [
        participant_of(
            row,
            enrollment_goals=row.enrollment_goals or (),
            traits=row.traits,
            working_style=row.working_style,
            intake=row.intake,
            identity=row.identity,
        )
        for row in rows
    ]


async def mentees_in_progress(session: AsyncSession, program_id: uuid.UUID) -> set[uuid.UUID]:
    """Mentees of the program with a match proposed, requested, accepted or active."""
    rows = await session.execute(
        select(Match.mentee_id).where(Match.program_id == program_id, Match.status.in_(NOT_FINAL)).distinct()
    )
    return {row.mentee_id for row in rows}


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
                    criteria=criteria_of(program.intake_criteria),
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


async def held_back(
    session: AsyncSession, program: Program, *, mentee_ids: Sequence[uuid.UUID] | None = None
) -> HeldBack:
    """The program's people its readiness gates hold back (training), by role, with why: one read
    per program that the hard filters then look up, none at all while no gate is on. Every live
    enrollment of a gated role is read with its course assignments (mentees: only `mentee_ids`,
    when given); without gates known yet, only the assignments that say they are required."""
    row = await session.get(ReadinessGate, program.id)
    gates = None if row is None else Gates(row.mentors_must_complete, row.mentees_must_complete)
    if gates is not None and not gates.any:
        return HeldBack()
    query = (
        select(
            Enrollment.person_id,
            Enrollment.role,
            CourseAssignment.status,
            CourseAssignment.modules_done,
            CourseAssignment.modules_total,
            CourseAssignment.required_for_matching,
            CourseAssignment.overdue,
            CourseAssignment.assigned_at,
        )
        .outerjoin(CourseAssignment, CourseAssignment.enrollment_id == Enrollment.id)
        .where(Enrollment.program_id == program.id, Enrollment.status.in_(ELIGIBLE_ENROLLMENT))
    )
    if gates is None:
        query = query.where(CourseAssignment.required_for_matching.is_(True))
    else:
        query = query.where(
            Enrollment.role.in_([role.value for role in EnrollmentRole if gates.requires(role.value)])
        )
    if mentee_ids is not None:
        query = query.where(
            or_(Enrollment.role != EnrollmentRole.MENTEE.value, Enrollment.person_id.in_(list(mentee_ids)))
        )
    rows = (await session.execute(query)).all()
    return held_back_by(
        (
            (
                row.person_id,
                row.role,
                None
                if row.status is None
                else CourseProgress(
                    status=row.status,
                    modules_done=row.modules_done,
                    modules_total=row.modules_total,
                    required_for_matching=row.required_for_matching,
                    overdue=row.overdue,
                    assigned_at=row.assigned_at,
                ),
            )
            for row in rows
        ),
        gates=gates,
    )
