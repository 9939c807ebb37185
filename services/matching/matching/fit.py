"""Personality and working-style fit of mentee x mentor pairs (pure: no I/O).

Personality: each Big Five trait score (Mini-IPIP, 1 to 5) is rescaled to [0, 1]; per trait the
program asks for similarity (1 - |difference|) or complementarity (|difference|), or ignores it;
the component is the mean over the traits it weighs.

Working style: up to five parts, each compared only when both people answered it, the component
being their mean:
- communication: 1 if they share a preferred mode (video, chat, async written), else 0;
- meeting rhythm: 1 if the same, 0.5 one step apart (weekly / biweekly / monthly), 0 otherwise;
- feedback directness (wanted by the mentee, given by the mentor), structure versus exploration,
  challenge (wanted by the mentee, given by the mentor): 1 - |difference| / 4 on the 1-5 scale.

Someone who did not answer (or a pair with nothing in common to compare) gets the neutral 0.5:
never a penalty, never a bonus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.contracts.profiles import CommunicationMode, PersonalityTrait, SessionCadence, TraitFit

NEUTRAL = 0.5
TRAITS: tuple[PersonalityTrait, ...] = tuple(PersonalityTrait)
RHYTHMS: tuple[str, ...] = tuple(cadence.value for cadence in SessionCadence)
COMMUNICATION_BIT: dict[str, int] = {
    mode.value: 1 << position for position, mode in enumerate(CommunicationMode)
}
SCALES = ("feedback_directness", "structure", "challenge")
Floats = npt.NDArray[np.float32]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class WorkingStyleFacts:
    """A person's working-style answers (None or empty where they did not answer)."""

    communication: frozenset[str] = frozenset()
    meeting_rhythm: str | None = None
    feedback_directness: int | None = None
    structure: int | None = None
    challenge: int | None = None

    @classmethod
    def of(cls, document: Mapping[str, Any] | None) -> WorkingStyleFacts | None:
        if not document:
            return None
        return cls(
            communication=frozenset(document.get("communication") or ()),
            meeting_rhythm=document.get("meeting_rhythm"),
            feedback_directness=document.get("feedback_directness"),
            structure=document.get("structure"),
            challenge=document.get("challenge"),
        )


def rescaled_traits(traits: Mapping[str, float] | None) -> tuple[float, ...] | None:
    """Trait scores (1 to 5) in TRAITS order, rescaled to [0, 1]; None if not (all) known."""
    if not traits or any(trait.value not in traits for trait in TRAITS):
        return None
    return tuple(min(max((float(traits[trait.value]) - 1.0) / 4.0, 0.0), 1.0) for trait in TRAITS)


def trait_fit(mode: TraitFit, mentee: float, mentor: float) -> float:
    """One trait's fit (rescaled scores): similarity or complementarity."""
    difference = abs(mentee - mentor)
    return difference if mode is TraitFit.COMPLEMENTARY else 1.0 - difference


# Personality is compared through pair tables too: a trait score is a quarter step of 1-5 (a Mini-IPIP
# mean of four items), so 17 levels, plus one for "not answered"; traits go by two into codes.
LEVELS = 17
UNKNOWN_LEVEL = LEVELS  # fits NEUTRAL with anything: a person who did not answer scores the baseline
TRAIT_GROUPS: tuple[tuple[int, ...], ...] = ((0, 1), (2, 3), (4,))
SOCIAL_CODES = 8 * 4
SCALE_CODES = 6 * 6 * 6
# Working-style parts are packed as count * 32 + sum * 4 (sum of at most 5 parts, each a quarter
# step), so the social and scale parts of a pair add up in one small integer.
_PACK_COUNT, _PACK_SUM = 32, 4


def _level(value: int | None) -> int:
    return int(value) if value is not None and 1 <= value <= 5 else 0


def _trait_codes(levels: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """(groups, people) codes of the trait groups from (5, people) levels."""
    codes = np.zeros((len(TRAIT_GROUPS), levels.shape[1]), dtype=np.intp)
    for row, group in enumerate(TRAIT_GROUPS):
        for trait in group:
            codes[row] = codes[row] * (LEVELS + 1) + levels[trait]
    return codes


def _group_size(group: tuple[int, ...]) -> int:
    return int((LEVELS + 1) ** len(group))


@dataclass
class FitArrays:
    """Personality and working style of a group of people, as codes into the pair tables."""

    trait_codes: npt.NDArray[np.intp]  # (trait groups, n)
    has_traits: npt.NDArray[np.bool_]
    social_code: npt.NDArray[np.intp]  # communication bits (0-7) * 4 + rhythm (0 unknown, 1-3)
    scale_code: npt.NDArray[np.intp]  # ((directness * 6) + structure) * 6 + challenge, 0 unknown
    has_style: npt.NDArray[np.bool_]
    # Row offsets into the pair tables, set for the mentee side (`prepare_mentees`).
    trait_keys: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.intp))
    social_key: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    scale_key: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def any_traits(self) -> bool:
        return bool(self.has_traits.any())

    @property
    def any_style(self) -> bool:
        return bool(self.has_style.any())

    @classmethod
    def build(
        cls,
        traits: Sequence[tuple[float, ...] | None],
        styles: Sequence[WorkingStyleFacts | None],
    ) -> FitArrays:
        count = len(traits)
        levels = np.full((len(TRAITS), count), UNKNOWN_LEVEL, dtype=np.intp)
        has_traits = np.zeros(count, dtype=np.bool_)
        for column, scores in enumerate(traits):
            if scores is not None:
                levels[:, column] = np.clip(np.rint(np.asarray(scores) * (LEVELS - 1)), 0, LEVELS - 1)
                has_traits[column] = True
        social = np.zeros(count, dtype=np.intp)
        scale = np.zeros(count, dtype=np.intp)
        for row, style in enumerate(styles):
            if style is None:
                continue
            bits = sum(COMMUNICATION_BIT.get(mode, 0) for mode in style.communication)
            rhythm = RHYTHMS.index(style.meeting_rhythm) + 1 if style.meeting_rhythm in RHYTHMS else 0
            social[row] = bits * 4 + rhythm
            parts = [_level(getattr(style, name)) for name in SCALES]
            scale[row] = (parts[0] * 6 + parts[1]) * 6 + parts[2]
        return cls(
            trait_codes=_trait_codes(levels),
            has_traits=has_traits,
            social_code=social,
            scale_code=scale,
            has_style=(social > 0) | (scale > 0),
        )


def prepare_mentees(arrays: FitArrays) -> None:
    """Row offsets of the mentees into the pair tables (one gather per pair and table afterwards)."""
    arrays.trait_keys = (
        np.stack([arrays.trait_codes[row] * _group_size(group) for row, group in enumerate(TRAIT_GROUPS)])
        if arrays.trait_codes.shape[1]
        else np.zeros((len(TRAIT_GROUPS), 0), dtype=np.intp)
    )
    arrays.social_key = arrays.social_code * SOCIAL_CODES
    arrays.scale_key = arrays.scale_code * SCALE_CODES


@lru_cache(maxsize=32)
def trait_tables(modes: tuple[TraitFit, ...]) -> tuple[Floats, ...]:
    """Per trait group, the flat pair table of summed trait fits (mentee code * size + mentor code).
    An unknown level fits NEUTRAL with anything, so a person who did not answer gets NEUTRAL."""
    levels = np.arange(LEVELS + 1)
    scores = np.minimum(levels, LEVELS - 1) / (LEVELS - 1)
    difference = np.abs(scores[:, None] - scores[None, :])
    unknown = (levels[:, None] == UNKNOWN_LEVEL) | (levels[None, :] == UNKNOWN_LEVEL)
    per_mode = {
        TraitFit.SIMILAR: np.where(unknown, NEUTRAL, 1.0 - difference),
        TraitFit.COMPLEMENTARY: np.where(unknown, NEUTRAL, difference),
        TraitFit.IGNORED: np.zeros_like(difference),
    }
    tables = []
    for group in TRAIT_GROUPS:
        # Codes are mixed-radix over the group's traits (first trait most significant), for the
        # mentee (rows) and the mentor (columns): the table is the sum of the traits' fits.
        table = np.zeros((1, 1))
        for trait in group:
            fit = per_mode[modes[trait]]
            table = (table[:, None, :, None] + fit[None, :, None, :]).reshape(
                table.shape[0] * (LEVELS + 1), table.shape[1] * (LEVELS + 1)
            )
        flat = np.ascontiguousarray(table.ravel(), dtype=np.float32)
        flat.flags.writeable = False  # shared by every scorer
        tables.append(flat)
    return tuple(tables)


def _social_parts(mentee: int, mentor: int) -> tuple[float, int]:
    """(sum, count) of the communication and rhythm parts of two social codes."""
    total, count = 0.0, 0
    mentee_bits, mentee_rhythm = divmod(mentee, 4)
    mentor_bits, mentor_rhythm = divmod(mentor, 4)
    if mentee_bits and mentor_bits:
        total += 1.0 if mentee_bits & mentor_bits else 0.0
        count += 1
    if mentee_rhythm and mentor_rhythm:
        total += 1.0 - abs(mentee_rhythm - mentor_rhythm) / 2.0
        count += 1
    return total, count


def _scale_parts(mentee: int, mentor: int) -> tuple[float, int]:
    """(sum, count) of the three 1-5 scales of two scale codes."""
    total, count = 0.0, 0
    for divisor in (36, 6, 1):
        first, second = (mentee // divisor) % 6, (mentor // divisor) % 6
        if first and second:
            total += 1.0 - abs(first - second) / 4.0
            count += 1
    return total, count


def _pack(total: float, count: int) -> int:
    return count * _PACK_COUNT + round(total * _PACK_SUM)


@lru_cache(maxsize=1)
def style_tables() -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16], Floats]:
    """Packed (count, sum) pair tables of the social and the scale parts, and the working-style
    value of every packed total (NEUTRAL where nothing could be compared)."""
    social = np.zeros(SOCIAL_CODES * SOCIAL_CODES, dtype=np.int16)
    for mentee in range(SOCIAL_CODES):
        for mentor in range(SOCIAL_CODES):
            social[mentee * SOCIAL_CODES + mentor] = _pack(*_social_parts(mentee, mentor))
    scale = np.zeros(SCALE_CODES * SCALE_CODES, dtype=np.int16)
    for mentee in range(SCALE_CODES):
        for mentor in range(SCALE_CODES):
            scale[mentee * SCALE_CODES + mentor] = _pack(*_scale_parts(mentee, mentor))
    values = np.full(6 * _PACK_COUNT, NEUTRAL, dtype=np.float32)
    for packed in range(len(values)):
        count, summed = divmod(packed, _PACK_COUNT)
        if count:
            values[packed] = summed / _PACK_SUM / count
    for table in (social, scale, values):
        table.flags.writeable = False  # shared by every scorer
    return social, scale, values


def personality_fit(
    mentees: FitArrays, mentors: FitArrays, mentee: Index, mentor: Index, modes: Sequence[TraitFit]
) -> Floats:
    """Personality component of pairs (mentee[i], mentor[i]); NEUTRAL where either did not answer."""
    weighed = sum(mode is not TraitFit.IGNORED for mode in modes)
    if not weighed or not mentees.any_traits or not mentors.any_traits:
        return np.full(len(mentee), NEUTRAL, dtype=np.float32)
    tables = trait_tables(tuple(modes))
    total = np.zeros(len(mentee), dtype=np.float32)
    for row, table in enumerate(tables):
        total += table[mentees.trait_keys[row][mentee] + mentors.trait_codes[row][mentor]]
    total *= np.float32(1.0 / weighed)
    return total


def working_style_fit(mentees: FitArrays, mentors: FitArrays, mentee: Index, mentor: Index) -> Floats:
    """Working-style component of pairs; NEUTRAL where nothing both answered can be compared."""
    if not mentees.any_style or not mentors.any_style:
        return np.full(len(mentee), NEUTRAL, dtype=np.float32)
    social, scale, values = style_tables()
    packed = social[mentees.social_key[mentee] + mentors.social_code[mentor]]
    packed += scale[mentees.scale_key[mentee] + mentors.scale_code[mentor]]
    return values[packed]
