"""A program's mentors and mentees as arrays, ready for vectorized scoring (pure: no I/O).

Mentors are prepared once (`MentorPool`) and can be kept while the read model does not change;
mentees are prepared against a mentor pool (`MenteeBatch`) in the pool's vocabularies: a whole
program for a round, or one person for suggestions.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse

from matching.availability import AvailabilityPatterns, Horizon, WeeklyAvailability, patterns
from matching.fit import FitArrays, WorkingStyleFacts, prepare_mentees
from matching.intake import Criterion, answer_masks
from matching.text_similarity import TextModel
from shared.contracts.profiles import Guidance, Seniority

MAX_LEVEL = 5
SENIORITY_RANK: dict[str, int] = {level.value: rank for rank, level in enumerate(Seniority)}
GUIDANCE_BIT: dict[str, int] = {kind.value: 1 << position for position, kind in enumerate(Guidance)}


def rank_of(seniority: str | None, years_of_experience: int | None) -> int:
    """Seniority as a rank (intern 0 ... executive 7), from years of experience if unstated; -1 unknown."""
    if seniority is not None and seniority in SENIORITY_RANK:
        return SENIORITY_RANK[seniority]
    if years_of_experience is None:
        return -1
    for rank, below in enumerate((1, 3, 6, 10, 15)):
        if years_of_experience < below:
            return rank
    return 5


@dataclass(frozen=True, slots=True)
class Participant:
    """What scoring knows of a person enrolled in a program (from the read model)."""

    person_id: uuid.UUID
    time_zone: str
    languages: tuple[str, ...]
    availability: WeeklyAvailability
    department: str | None = None
    manager_id: uuid.UUID | None = None
    seniority: str | None = None
    years_of_experience: int | None = None
    text: str = ""
    skills: tuple[tuple[str, int], ...] = ()
    interests: tuple[tuple[str, int | None, int], ...] = ()  # (skill, current level, target level)
    guidance: frozenset[str] = frozenset()
    specializations: frozenset[str] = frozenset()
    learning_style: str | None = None
    name: str = ""
    # Personality (rescaled trait scores, fit.TRAITS order) and working style; None if not answered.
    traits: tuple[float, ...] | None = None
    working_style: WorkingStyleFacts | None = None
    # Answers to the program's intake criteria: question id -> option ids.
    intake: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Self-identified attributes the person asked to be matched on: attribute -> pseudonymous key
    # (matching never holds a value; equal keys mean an equal value).
    identity: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PairRules:
    """Pair-level facts: exclusions (admin, avoided, declined before), preferences, manager chains.

    `managers` serves the mentees' own chains; mentors' chains are indexed once in their pool.
    """

    excluded: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset()  # (mentee, mentor)
    preferred: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset()
    managers: Mapping[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)


class Vocabulary:
    """Strings to dense ids, grown while a pool is built and then read-only."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self.ids: dict[str, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: str) -> int:
        return self.ids.setdefault(item, len(self.ids))

    def get(self, item: str) -> int:
        return self.ids.get(item, -1)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def words(self) -> int:
        return max(1, math.ceil(len(self.ids) / 64))


def bitmasks(sets: Sequence[Iterable[str]], vocabulary: Vocabulary) -> npt.NDArray[np.uint64]:
    """(n, words) uint64 masks of the known items of each set; unknown items are dropped."""
    masks = np.zeros((len(sets), vocabulary.words), dtype=np.uint64)
    rows: list[int] = []
    ids: list[int] = []
    lookup = vocabulary.ids
    for row, items in enumerate(sets):
        for item in items:
            item_id = lookup.get(item, -1)
            if item_id >= 0:
                rows.append(row)
                ids.append(item_id)
    if rows:
        id_array = np.asarray(ids, dtype=np.uint64)
        np.bitwise_or.at(
            masks,
            (np.asarray(rows), (id_array >> np.uint64(6)).astype(np.intp)),
            np.uint64(1) << (id_array & np.uint64(63)),
        )
    return masks


def manager_chain(person: uuid.UUID, managers: Mapping[uuid.UUID, uuid.UUID | None]) -> list[uuid.UUID]:
    """The managers above a person, nearest first (stops at a cycle or after 64 levels)."""
    chain: list[uuid.UUID] = []
    seen = {person}
    current = managers.get(person)
    while current is not None and current not in seen and len(chain) < 64:
        chain.append(current)
        seen.add(current)
        current = managers.get(current)
    return chain


@dataclass
class MentorPool:
    """The mentors of a program, vectorized, with the vocabularies mentees are encoded in."""

    mentors: list[Participant]
    horizon: Horizon
    session_minutes: int
    languages: Vocabulary
    skills: Vocabulary
    specializations: Vocabulary
    departments: Vocabulary
    styles: Vocabulary
    index_of: dict[uuid.UUID, int]
    language_masks: npt.NDArray[np.uint64]
    specialization_masks: npt.NDArray[np.uint64]
    guidance: npt.NDArray[np.uint8]
    rank: npt.NDArray[np.int8]
    department: npt.NDArray[np.int32]
    style: npt.NDArray[np.int16]
    skill_reach: npt.NDArray[np.float32]  # (mentors, 5 * skills): level >= l, per level l
    skill_levels: npt.NDArray[np.int8]  # (mentors, skills)
    rarity: npt.NDArray[np.float32]  # (skills,): inverse frequency among mentors
    availability: AvailabilityPatterns
    text: TextModel
    text_vectors: sparse.csr_matrix
    text_vectors_t: sparse.csr_matrix
    # For every manager (at any level), the mentors below them: they can never mentor that manager.
    reports: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    fit: FitArrays = field(default_factory=lambda: FitArrays.build([], []))
    # The program's intake criteria and the mentors' answers to them, as option bits.
    criteria: tuple[Criterion, ...] = ()
    intake_masks: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint64))
    # Pseudonymous identity keys of mentors who agreed to be matched on them: (mentors, attributes)
    # ids in `identity_keys` (-1: none), attributes in `identity_attributes`.
    identity_attributes: Vocabulary = field(default_factory=Vocabulary)
    identity_keys: Vocabulary = field(default_factory=Vocabulary)
    identity: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    skill_reach_t: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def __post_init__(self) -> None:
        self.skill_reach_t = np.ascontiguousarray(self.skill_reach.T)

    @property
    def size(self) -> int:
        return len(self.mentors)

    @classmethod
    def build(
        cls,
        mentors: Sequence[Participant],
        *,
        horizon: Horizon,
        session_minutes: int,
        extra_corpus: Sequence[str] = (),
        extra_skills: Iterable[str] = (),
        managers: Mapping[uuid.UUID, uuid.UUID | None] | None = None,
        criteria: Sequence[Criterion] = (),
    ) -> MentorPool:
        """Vectorize `mentors`; `extra_corpus` joins the text model's fit (the mentees' texts in a round);
        `criteria` are the program's intake criteria."""
        mentors = list(mentors)
        reports: dict[uuid.UUID, list[int]] = {}
        for column, mentor in enumerate(mentors):
            for manager in manager_chain(mentor.person_id, managers or {}):
                reports.setdefault(manager, []).append(column)
        languages = Vocabulary(language for mentor in mentors for language in mentor.languages)
        skills = Vocabulary(skill for mentor in mentors for skill, _ in mentor.skills)
        for skill in extra_skills:
            skills.add(skill)
        specializations = Vocabulary(item for mentor in mentors for item in mentor.specializations)
        departments = Vocabulary(mentor.department for mentor in mentors if mentor.department)
        styles = Vocabulary(mentor.learning_style for mentor in mentors if mentor.learning_style)
        count, skill_count = len(mentors), max(1, len(skills))
        levels = np.zeros((count, skill_count), dtype=np.int8)
        for row, mentor in enumerate(mentors):
            for skill, level in mentor.skills:
                levels[row, skills.get(skill)] = max(0, min(MAX_LEVEL, level))
        reach = np.concatenate([(levels >= level) for level in range(1, MAX_LEVEL + 1)], axis=1)
        frequency = (levels > 0).sum(axis=0)
        rarity = (1.0 + np.log((1.0 + count) / (1.0 + frequency))).astype(np.float32)
        text = TextModel([*(mentor.text for mentor in mentors), *extra_corpus])
        vectors = text.vectors([mentor.text for mentor in mentors])
        identity_attributes = Vocabulary(attribute for mentor in mentors for attribute in mentor.identity)
        identity_keys = Vocabulary(key for mentor in mentors for key in mentor.identity.values())
        identity = np.full((count, len(identity_attributes)), -1, dtype=np.int32)
        for row, mentor in enumerate(mentors):
            for attribute, key in mentor.identity.items():
                identity[row, identity_attributes.get(attribute)] = identity_keys.get(key)
        return cls(
            mentors=mentors,
            horizon=horizon,
            session_minutes=session_minutes,
            languages=languages,
            skills=skills,
            specializations=specializations,
            departments=departments,
            styles=styles,
            index_of={mentor.person_id: row for row, mentor in enumerate(mentors)},
            language_masks=bitmasks([mentor.languages for mentor in mentors], languages),
            specialization_masks=bitmasks([mentor.specializations for mentor in mentors], specializations),
            guidance=np.asarray(
                [sum(GUIDANCE_BIT.get(kind, 0) for kind in mentor.guidance) for mentor in mentors],
                dtype=np.uint8,
            ).reshape(count),
            rank=np.asarray(
                [rank_of(mentor.seniority, mentor.years_of_experience) for mentor in mentors], dtype=np.int8
            ).reshape(count),
            department=np.asarray(
                [departments.get(mentor.department) if mentor.department else -1 for mentor in mentors],
                dtype=np.int32,
            ).reshape(count),
            style=np.asarray(
                [styles.get(mentor.learning_style) if mentor.learning_style else -1 for mentor in mentors],
                dtype=np.int16,
            ).reshape(count),
            skill_reach=reach.astype(np.float32),
            skill_levels=levels,
            rarity=rarity,
            availability=patterns(
                [mentor.availability for mentor in mentors], horizon, session_minutes=session_minutes
            ),
            text=text,
            text_vectors=vectors,
            text_vectors_t=sparse.csr_matrix(vectors.T),
            reports=reports,
            fit=FitArrays.build(
                [mentor.traits for mentor in mentors], [mentor.working_style for mentor in mentors]
            ),
            criteria=tuple(criteria),
            intake_masks=answer_masks([mentor.intake for mentor in mentors], criteria),
            identity_attributes=identity_attributes,
            identity_keys=identity_keys,
            identity=identity,
        )


def _skill_gain(
    mentees: Sequence[Participant], pool: MentorPool
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Per mentee and (level, skill): the weighted fit a mentor gains by reaching that level.

    fit(level) = clip((level - current) / (target - current), 0, 1) for each learning interest,
    weighted by the skill's rarity and normalised per mentee, is split into its increments per
    level, so that skills = gain @ reach.T, with reach[mentor, (level, skill)] = mentor level >= level.
    """
    skill_count = max(1, len(pool.skills))
    gain = np.zeros((len(mentees), MAX_LEVEL * skill_count), dtype=np.float32)
    rows: list[int] = []
    columns: list[int] = []
    currents: list[int] = []
    targets: list[int] = []
    for row, mentee in enumerate(mentees):
        for skill, current, target in mentee.interests:
            rows.append(row)
            columns.append(pool.skills.get(skill))
            currents.append(current or 0)
            targets.append(target)
    has_interests = np.zeros(len(mentees), dtype=np.bool_)
    if not rows:
        return gain, has_interests
    row_array, column_array = np.asarray(rows), np.asarray(columns)
    current_array, target_array = (
        np.asarray(currents, dtype=np.float32),
        np.asarray(targets, dtype=np.float32),
    )
    has_interests[row_array] = True
    # A skill no mentor has still weighs in the mentee's total, so its fit of 0 stays honest.
    unknown_rarity = np.float32(1.0 + math.log(1.0 + pool.size))
    weight = np.where(column_array >= 0, pool.rarity[np.maximum(column_array, 0)], unknown_rarity)
    totals = np.bincount(row_array, weights=weight, minlength=len(mentees))
    weight = weight / totals[row_array]
    known = column_array >= 0
    span = np.maximum(target_array - current_array, 1.0)
    previous = np.zeros(len(rows), dtype=np.float32)
    for level in range(1, MAX_LEVEL + 1):
        fit = np.clip((level - current_array) / span, 0.0, 1.0)
        np.add.at(
            gain,
            (row_array[known], (level - 1) * skill_count + column_array[known]),
            (weight * (fit - previous))[known],
        )
        previous = fit
    return gain, has_interests


@dataclass
class MenteeBatch:
    """Mentees vectorized in a mentor pool's vocabularies, with the pair rules between them."""

    mentees: list[Participant]
    index_of: dict[uuid.UUID, int]
    language_masks: npt.NDArray[np.uint64]
    primary_language: npt.NDArray[np.int32]  # id of the first listed language, -1 if no mentor speaks it
    specialization_masks: npt.NDArray[np.uint64]
    specialization_count: npt.NDArray[np.int16]  # all stated, known to mentors or not
    guidance: npt.NDArray[np.uint8]
    rank: npt.NDArray[np.int8]
    department: npt.NDArray[np.int32]
    style: npt.NDArray[np.int16]
    skill_gain: npt.NDArray[np.float32]  # (mentees, 5 * skills): weighted fit gained per level
    has_interests: npt.NDArray[np.bool_]
    availability: AvailabilityPatterns
    text_vectors: sparse.csr_matrix
    excluded: sparse.csr_matrix  # (mentees, mentors) bool
    preferred: sparse.csr_matrix  # (mentees, mentors) bool
    states_preference: npt.NDArray[np.bool_]
    fit: FitArrays = field(default_factory=lambda: FitArrays.build([], []))
    intake_masks: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint64))
    # Identity keys the mentee asked to share, in the pool's attribute columns (-1: not asked; -2:
    # asked, but no mentor has that key), and how many attributes each asked about in all.
    identity: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    identity_wanted: npt.NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    # Lookup keys the scorer sets (row offsets into its flat tables).
    guidance_key: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    rank_key: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def size(self) -> int:
        return len(self.mentees)

    @classmethod
    def build(
        cls, mentees: Sequence[Participant], pool: MentorPool, rules: PairRules | None = None
    ) -> MenteeBatch:
        mentees = list(mentees)
        rules = rules or PairRules()
        count = len(mentees)
        index_of = {mentee.person_id: row for row, mentee in enumerate(mentees)}
        gain, has_interests = _skill_gain(mentees, pool)
        excluded_rows: list[int] = []
        excluded_cols: list[int] = []

        def exclude(mentee_row: int, mentor_row: int) -> None:
            excluded_rows.append(mentee_row)
            excluded_cols.append(mentor_row)

        for mentee_id, mentor_id in rules.excluded:
            if mentee_id in index_of and mentor_id in pool.index_of:
                exclude(index_of[mentee_id], pool.index_of[mentor_id])
        for row, mentee in enumerate(mentees):
            if mentee.person_id in pool.index_of:
                exclude(row, pool.index_of[mentee.person_id])
            for manager in manager_chain(mentee.person_id, rules.managers):
                if manager in pool.index_of:
                    exclude(row, pool.index_of[manager])
        for row, mentee in enumerate(mentees):
            for column in pool.reports.get(mentee.person_id, ()):
                exclude(row, column)
        shape = (count, pool.size)
        excluded = sparse.csr_matrix(
            (np.ones(len(excluded_rows), dtype=np.bool_), (excluded_rows, excluded_cols)), shape=shape
        )
        preferred_pairs = [
            (index_of[mentee_id], pool.index_of[mentor_id])
            for mentee_id, mentor_id in rules.preferred
            if mentee_id in index_of and mentor_id in pool.index_of
        ]
        preferred = sparse.csr_matrix(
            (
                np.ones(len(preferred_pairs), dtype=np.bool_),
                ([pair[0] for pair in preferred_pairs], [pair[1] for pair in preferred_pairs]),
            ),
            shape=shape,
        )
        stating = {mentee_id for mentee_id, _ in rules.preferred}
        identity = np.full((count, len(pool.identity_attributes)), -1, dtype=np.int32)
        for row, mentee in enumerate(mentees):
            for attribute, key in mentee.identity.items():
                column = pool.identity_attributes.get(attribute)
                if column >= 0:
                    known = pool.identity_keys.get(key)
                    identity[row, column] = known if known >= 0 else -2
        fit = FitArrays.build(
            [mentee.traits for mentee in mentees], [mentee.working_style for mentee in mentees]
        )
        prepare_mentees(fit)
        return cls(
            mentees=mentees,
            index_of=index_of,
            language_masks=bitmasks([mentee.languages for mentee in mentees], pool.languages),
            primary_language=np.asarray(
                [pool.languages.get(mentee.languages[0]) if mentee.languages else -1 for mentee in mentees],
                dtype=np.int32,
            ).reshape(count),
            specialization_masks=bitmasks(
                [mentee.specializations for mentee in mentees], pool.specializations
            ),
            specialization_count=np.asarray(
                [len(mentee.specializations) for mentee in mentees], dtype=np.int16
            ).reshape(count),
            guidance=np.asarray(
                [sum(GUIDANCE_BIT.get(kind, 0) for kind in mentee.guidance) for mentee in mentees],
                dtype=np.uint8,
            ).reshape(count),
            rank=np.asarray(
                [rank_of(mentee.seniority, mentee.years_of_experience) for mentee in mentees], dtype=np.int8
            ).reshape(count),
            department=np.asarray(
                [pool.departments.get(mentee.department) if mentee.department else -1 for mentee in mentees],
                dtype=np.int32,
            ).reshape(count),
            style=np.asarray(
                [
                    pool.styles.get(mentee.learning_style) if mentee.learning_style else -1
                    for mentee in mentees
                ],
                dtype=np.int16,
            ).reshape(count),
            skill_gain=gain,
            has_interests=has_interests,
            availability=patterns(
                [mentee.availability for mentee in mentees],
                pool.horizon,
                session_minutes=pool.session_minutes,
            ),
            text_vectors=pool.text.vectors([mentee.text for mentee in mentees]),
            excluded=excluded,
            preferred=preferred,
            states_preference=np.asarray(
                [mentee.person_id in stating for mentee in mentees], dtype=np.bool_
            ).reshape(count),
            fit=fit,
            intake_masks=answer_masks([mentee.intake for mentee in mentees], pool.criteria),
            identity=identity,
            identity_wanted=np.asarray([len(mentee.identity) for mentee in mentees], dtype=np.int16).reshape(
                count
            ),
        )
