"""Explainable match scores, vectorized over mentee x mentor blocks (pure: no I/O).

A pair first passes the hard filters (a shared language; a whole session of common time in most
weeks of the horizon; the mentor has an open slot; not the same person, not in each other's
manager chain, not excluded; optionally not the same department). Its score is then the weighted
mean of components, each in [0, 1]:

- skills: how far the mentor's levels reach the mentee's target levels, rare skills weighing more;
- goals: TF-IDF cosine of goals and bios (square-rooted, so that weak overlaps still count);
- guidance: share of the kinds of guidance wanted that the mentor offers;
- availability: weekly common time, capped;
- seniority: the mentor is a few levels above (a band), less if closer or much further; in reverse
  mentoring the other way round (the mentor a few levels below), between peers within the band
  either way (`seniority_direction`);
- specialization: share of the mentee's specializations the mentor has;
- preferences: the mentee's preferred mentors, a shared learning style, and the self-identified
  attributes the mentee asked to share with their mentor (compared by pseudonymous key);
- languages: the mentor speaks the mentee's first language;
- personality: Big Five similarity or complementarity per trait, as the program chose (`fit`);
- working style: communication, meeting rhythm, feedback directness, structure, challenge (`fit`);
- intake: the program's prefer_match / prefer_different intake criteria (`intake`); its
  must_match criteria are a hard filter.

Unknown inputs give a neutral 0.5 rather than a penalty: a person who skipped the personality
questionnaire or an optional question scores exactly what the neutral baseline scores. Hard
filters are boolean masks applied first, so components are computed only for the pairs that
survive them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse

from matching.availability import pattern_overlap
from matching.fit import TRAITS, personality_fit, working_style_fit
from matching.intake import must_match, preference_fit
from matching.pool import MenteeBatch, MentorPool
from matching.text_similarity import similarity_block, similarity_pairs
from shared.contracts.profiles import (
    DEFAULT_SCORE_WEIGHTS,
    IntakeCriterionKind,
    ScoreComponent,
    SeniorityDirection,
    TraitFit,
)

COMPONENTS: tuple[ScoreComponent, ...] = tuple(ScoreComponent)
_PERSONALITY = COMPONENTS.index(ScoreComponent.PERSONALITY)
_WORKING_STYLE = COMPONENTS.index(ScoreComponent.WORKING_STYLE)
_INTAKE = COMPONENTS.index(ScoreComponent.INTAKE)
NEUTRAL = 0.5
Floats = npt.NDArray[np.float32]
Index = npt.NDArray[np.intp]


def normalized_weights(program_weights: Mapping[str, float] | None) -> tuple[float, ...]:
    """The program's weights over the shared defaults (`DEFAULT_SCORE_WEIGHTS`), in COMPONENTS order,
    summing to 1. Programs carry the weights profiles stored on them; the defaults fill any gap."""
    merged = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
    for name, weight in (program_weights or {}).items():
        if name in merged and math.isfinite(weight) and weight >= 0:
            merged[name] = float(weight)
    total = sum(merged.values())
    if total <= 0:
        merged = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
        total = sum(merged.values())
    return tuple(merged[component.value] / total for component in COMPONENTS)


@dataclass(frozen=True)
class ScoringPolicy:
    """How a program scores pairs: weights and the thresholds of the hard filters."""

    weights: tuple[float, ...] = normalized_weights(None)
    exclude_same_department: bool = False
    # Weeks of the horizon that must hold a common session slot (one week may be a holiday).
    min_session_weeks: int = 3
    availability_cap_minutes: float = 180.0
    seniority_band: tuple[int, int] = (1, 3)
    # Which way the band points: profiles' SeniorityDirection (mentor_senior, mentor_junior, either).
    seniority_direction: str = SeniorityDirection.MENTOR_SENIOR.value
    min_score: float = 0.05
    # Per personality trait (fit.TRAITS order): similar, complementary or ignored.
    personality_fit: tuple[TraitFit, ...] = (TraitFit.SIMILAR,) * len(TRAITS)


def personality_fit_of(settings: Mapping[str, str] | None) -> tuple[TraitFit, ...]:
    """A program's per-trait settings in TRAITS order; traits left out (or unknown values): similar."""
    known = {fit.value for fit in TraitFit}
    given = settings or {}
    return tuple(
        TraitFit(given[trait.value]) if given.get(trait.value) in known else TraitFit.SIMILAR
        for trait in TRAITS
    )


@dataclass(frozen=True)
class Candidates:
    """Each mentee's best feasible mentors, as flat pair arrays grouped by mentee, best first."""

    mentee: Index
    mentor: Index
    score: Floats

    @property
    def size(self) -> int:
        return len(self.mentee)


@lru_cache(maxsize=1)
def _guidance_table() -> Floats:
    table = np.full((8, 8), NEUTRAL, dtype=np.float32)
    for wanted in range(1, 8):
        for offered in range(1, 8):
            table[wanted, offered] = (wanted & offered).bit_count() / wanted.bit_count()
    table.flags.writeable = False  # shared by every scorer
    return table


@lru_cache(maxsize=16)
def _seniority_table(
    band: tuple[int, int], direction: str = SeniorityDirection.MENTOR_SENIOR.value
) -> Floats:
    low, high = band
    table = np.full((9, 9), NEUTRAL, dtype=np.float32)  # index rank + 1; 0 is unknown
    for mentee in range(8):
        for mentor in range(8):
            gap = mentor - mentee
            if direction == SeniorityDirection.MENTOR_JUNIOR:
                gap = -gap  # reverse mentoring: the band lies below the mentee
            elif direction == SeniorityDirection.EITHER:
                # Peers (or either way): within the band's upper end either way is best.
                table[mentee + 1, mentor + 1] = (
                    1.0 if abs(gap) <= high else max(0.0, 1.0 - 0.35 * (abs(gap) - high))
                )
                continue
            if low <= gap <= high:
                value = 1.0
            elif gap < low:
                value = 0.0 if gap < 0 else max(0.0, 0.6 - 0.3 * (low - gap))
            else:
                value = max(0.2, 1.0 - 0.25 * (gap - high))
            table[mentee + 1, mentor + 1] = value
    table.flags.writeable = False  # shared by every scorer
    return table


SMALL_BATCH = 8


def _weighted_sum(components: Floats, weights: Floats) -> Floats:
    """weights @ components for (components, pairs), as ufuncs (no BLAS call for 8 rows)."""
    total = np.zeros(components.shape[1], dtype=np.float32)
    for weight, row in zip(weights, components, strict=True):
        if weight:
            total += np.float32(weight) * row
    return total


def _any_common(first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    if first.shape[-1] == 1:
        return (first[..., 0] & second[..., 0]) != 0
    return np.any((first & second) != 0, axis=-1)


def _common_count(first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
    if first.shape[-1] == 1:
        return np.bitwise_count(first[..., 0] & second[..., 0]).astype(np.int32)
    return np.bitwise_count(first & second).sum(axis=-1, dtype=np.int32)


class Scorer:
    """Scores of a batch of mentees against a mentor pool under a policy."""

    def __init__(
        self,
        pool: MentorPool,
        batch: MenteeBatch,
        policy: ScoringPolicy,
        *,
        open_slots: npt.NDArray[np.integer] | None = None,
    ) -> None:
        self.pool = pool
        self.batch = batch
        self.policy = policy
        self.weights = np.asarray(policy.weights, dtype=np.float32)
        self.open_slots = (
            np.ones(pool.size, dtype=np.int32)
            if open_slots is None
            else np.asarray(open_slots, dtype=np.int32)
        )
        self.overlap = pattern_overlap(batch.availability, pool.availability)
        self.guidance_table = _guidance_table()
        self.seniority_table = _seniority_table(policy.seniority_band, policy.seniority_direction)
        # Flat tables indexed by a per-mentee key plus the mentor's value: one gather per pair.
        self.guidance_flat = self.guidance_table.ravel()
        self.seniority_flat = self.seniority_table.ravel()
        batch.guidance_key = batch.guidance.astype(np.intp) * 8
        batch.rank_key = (batch.rank.astype(np.intp) + 1) * 9
        self.mentor_open = self.open_slots > 0
        self.skill_reach_t = pool.skill_reach_t

    # -- hard filters -------------------------------------------------------------------------

    def feasible_block(self, rows: Index, columns: Index | None = None) -> npt.NDArray[np.bool_]:
        """(len(rows), len(columns)): which pairs pass every hard filter (columns: all mentors if None)."""
        batch, pool = self.batch, self.pool
        mentors = np.arange(pool.size, dtype=np.intp) if columns is None else columns
        mask = _any_common(batch.language_masks[rows][:, None, :], pool.language_masks[mentors][None, :, :])
        mask &= self.mentor_open[mentors][None, :]
        weeks = self.overlap.session_weeks[batch.availability.index[rows]]
        mask &= weeks[:, pool.availability.index[mentors]] >= self.policy.min_session_weeks
        if self.policy.exclude_same_department:
            departments = batch.department[rows][:, None]
            mask &= ~((departments == pool.department[mentors][None, :]) & (departments >= 0))
        if pool.criteria:
            same_answers = must_match(pool.criteria, batch.intake_masks[rows], pool.intake_masks[mentors])
            if same_answers is not None:
                mask &= same_answers
        excluded = batch.excluded[rows].tocoo()
        if excluded.nnz:
            position = np.full(pool.size, -1, dtype=np.intp)
            position[mentors] = np.arange(len(mentors))
            local = position[excluded.col]
            mask[excluded.row[local >= 0], local[local >= 0]] = False
        return mask

    def reachable_mentors(self, rows: Index) -> Index:
        """Mentors that pass the pair-independent filters with at least one of `rows`: an open slot, a
        language in common and a session-sized common time. Everyone else is left out of the block."""
        batch, pool = self.batch, self.pool
        patterns = np.unique(batch.availability.index[rows])
        fits = (self.overlap.session_weeks[patterns] >= self.policy.min_session_weeks).any(axis=0)
        spoken = np.bitwise_or.reduce(batch.language_masks[rows], axis=0)
        speaks = _any_common(pool.language_masks, spoken[None, :])
        return np.flatnonzero(fits[pool.availability.index] & speaks & self.mentor_open).astype(np.intp)

    def violations(self, mentee: int, mentor: int) -> list[str]:
        """Why one pair fails the hard filters (empty if it passes), in words for an admin."""
        batch, pool = self.batch, self.pool
        found = []
        if not _any_common(batch.language_masks[mentee], pool.language_masks[mentor]):
            found.append("no shared language")
        weeks = int(
            self.overlap.session_weeks[batch.availability.index[mentee], pool.availability.index[mentor]]
        )
        if weeks < self.policy.min_session_weeks:
            found.append(
                f"a {pool.session_minutes}-minute session fits in only {weeks} of the next "
                f"{pool.horizon.weeks} weeks"
            )
        if not self.mentor_open[mentor]:
            found.append("mentor has no open slot")
        department = batch.department[mentee]
        if self.policy.exclude_same_department and department >= 0 and department == pool.department[mentor]:
            found.append("same department")
        for column, criterion in enumerate(pool.criteria):
            if criterion.kind is not IntakeCriterionKind.MUST_MATCH:
                continue
            mentee_bits, mentor_bits = batch.intake_masks[mentee, column], pool.intake_masks[mentor, column]
            if mentee_bits and mentor_bits and not mentee_bits & mentor_bits:
                found.append(f'different answers to "{criterion.prompt}" (must match)')
        if batch.excluded[mentee, mentor]:
            found.append("pair excluded (same person, reporting line, exclusion or declined before)")
        return found

    # -- components ---------------------------------------------------------------------------

    def _components(
        self, mentee: Index, mentor: Index, skills: Floats, text: Floats, preferred: Floats
    ) -> Floats:
        """(components, pairs) for pairs (mentee[i], mentor[i]) given the block-computed parts."""
        batch, pool, policy = self.batch, self.pool, self.policy
        out = np.empty((len(COMPONENTS), len(mentee)), dtype=np.float32)
        np.minimum(skills, 1.0, out=out[0])
        if not batch.has_interests.all():
            out[0][~batch.has_interests[mentee]] = NEUTRAL
        np.sqrt(np.clip(text, 0.0, 1.0), out=out[1])
        out[2] = self.guidance_flat[batch.guidance_key[mentee] + pool.guidance[mentor]]
        minutes = self.overlap.weekly_minutes(
            batch.availability.index[mentee], pool.availability.index[mentor]
        )
        np.minimum(minutes * np.float32(1.0 / policy.availability_cap_minutes), 1.0, out=out[3])
        out[4] = self.seniority_flat[batch.rank_key[mentee] + pool.rank[mentor] + 1]
        stated = batch.specialization_count[mentee]
        shared = _common_count(batch.specialization_masks[mentee], pool.specialization_masks[mentor])
        out[5] = np.where(stated > 0, shared / np.maximum(stated, 1).astype(np.float32), NEUTRAL)
        out[6] = self._preferences(mentee, mentor, preferred)
        primary = batch.primary_language[mentee]
        word = np.maximum(primary, 0) >> 6
        bit = (np.maximum(primary, 0) & 63).astype(np.uint64)
        speaks = ((pool.language_masks[mentor, word] >> bit) & np.uint64(1)).astype(np.bool_) & (primary >= 0)
        out[7] = np.where(speaks, np.float32(1.0), np.float32(NEUTRAL))
        out[_PERSONALITY] = personality_fit(batch.fit, pool.fit, mentee, mentor, policy.personality_fit)
        out[_WORKING_STYLE] = working_style_fit(batch.fit, pool.fit, mentee, mentor)
        out[_INTAKE] = (
            preference_fit(pool.criteria, batch.intake_masks, pool.intake_masks, mentee, mentor)
            if pool.criteria
            else np.float32(NEUTRAL)
        )
        return out

    def _preferences(self, mentee: Index, mentor: Index, preferred: Floats) -> Floats:
        """Mean of the preference signals a mentee gave (preferred mentors, learning style, each
        self-identified attribute they asked to share), else neutral."""
        batch, pool = self.batch, self.pool
        mentee_style, mentor_style = batch.style[mentee], pool.style[mentor]
        style_known = (mentee_style >= 0) & (mentor_style >= 0)
        style_value = np.where(mentee_style == mentor_style, np.float32(1.0), np.float32(NEUTRAL))
        asks_identity = bool(batch.identity_wanted.any())
        if not batch.states_preference.any() and not asks_identity:
            return np.where(style_known, style_value, np.float32(NEUTRAL))
        states = batch.states_preference[mentee]
        signals = states.astype(np.float32) + style_known
        summed = np.where(states, preferred, 0.0) + np.where(style_known, style_value, 0.0)
        if asks_identity:
            # One signal per attribute asked about: 1 when the mentor has the same pseudonymous key.
            signals = signals + batch.identity_wanted[mentee]
            for column in range(batch.identity.shape[1]):
                wanted = batch.identity[mentee, column]
                summed = summed + ((wanted >= 0) & (wanted == pool.identity[mentor, column]))
        return np.where(signals > 0, summed / np.maximum(signals, 1), NEUTRAL).astype(np.float32)

    def pair_components(self, mentee: Index, mentor: Index) -> Floats:
        """(pairs, components) for arbitrary pairs, e.g. the proposals a round keeps."""
        mentee = np.asarray(mentee, dtype=np.intp)
        mentor = np.asarray(mentor, dtype=np.intp)
        skills = np.einsum(
            "ij,ij->i", self.batch.skill_gain[mentee], self.pool.skill_reach[mentor], dtype=np.float32
        )
        text = similarity_pairs(self.batch.text_vectors, self.pool.text_vectors, mentee, mentor)
        preferred = (
            np.asarray(self.batch.preferred[mentee, mentor], dtype=np.float32).ravel()
            if len(mentee)
            else np.zeros(0, dtype=np.float32)
        )
        return self._components(mentee, mentor, skills, text, preferred).T.copy()

    def total(self, components: Floats) -> Floats:
        """Weighted totals of (pairs, components) rows."""
        return _weighted_sum(components.T, self.weights)

    # -- ranking ------------------------------------------------------------------------------

    def candidates(self, k: int, *, rows: Index | None = None, block_pairs: int = 1 << 19) -> Candidates:
        """Each mentee's top `k` feasible mentors scoring at least the policy's minimum.

        Mentees are taken in blocks of similar ones (same zone, then same availability pattern), so
        that each block is scored only against the mentors reachable from it.
        """
        batch = self.batch
        if rows is None:
            zones = np.unique([mentee.time_zone for mentee in batch.mentees], return_inverse=True)[1]
            patterns = batch.availability.index.astype(np.int64)
            all_rows = np.lexsort((patterns, zones)).astype(np.intp)
        else:
            all_rows = np.asarray(rows, dtype=np.intp)
        k = max(1, min(k, self.pool.size))
        # Blocks of about `block_pairs` pairs if half the mentors are reachable from them.
        block = max(1, 2 * block_pairs // max(1, self.pool.size))
        parts = [
            self._block_candidates(all_rows[first : first + block], k)
            for first in range(0, len(all_rows), block)
        ]
        parts = [part for part in parts if part.size]
        if not parts:
            empty = np.zeros(0, dtype=np.intp)
            return Candidates(empty, empty.copy(), np.zeros(0, dtype=np.float32))
        return Candidates(
            mentee=np.concatenate([part.mentee for part in parts]),
            mentor=np.concatenate([part.mentor for part in parts]),
            score=np.concatenate([part.score for part in parts]),
        )

    def _skills_block(self, rows: Index, columns: Index) -> Floats:
        """Skill fit of `rows` with the mentors in `columns`: a matrix product for blocks (BLAS); for
        a few mentees (suggestions), sums over their few non-zero terms, since waking BLAS threads
        for a tiny product costs more than the product on a busy machine."""
        gain = self.batch.skill_gain[rows]
        reach = self.skill_reach_t[:, columns]
        if len(rows) > SMALL_BATCH:
            return np.asarray(gain @ reach, dtype=np.float32)
        out = np.zeros((len(rows), len(columns)), dtype=np.float32)
        for position in range(len(rows)):
            (nonzero,) = np.nonzero(gain[position])
            for column in nonzero:
                out[position] += gain[position, column] * reach[column]
        return out

    def _block_candidates(self, block_rows: Index, k: int) -> Candidates:
        batch, pool = self.batch, self.pool
        empty = Candidates(
            np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        )
        columns = self.reachable_mentors(block_rows)
        if len(columns) == 0:
            return empty
        mask = self.feasible_block(block_rows, columns)
        local, column = np.nonzero(mask)
        if len(local) == 0:
            return empty
        mentor = columns[column]
        skills_block = self._skills_block(block_rows, columns)
        text_block = similarity_block(
            batch.text_vectors[block_rows], sparse.csr_matrix(pool.text_vectors[columns].T)
        )
        preferred_block = batch.preferred[block_rows]
        preferred = (
            np.asarray(preferred_block[local, mentor], dtype=np.float32).ravel()
            if preferred_block.nnz
            else np.zeros(len(local), dtype=np.float32)
        )
        components = self._components(
            block_rows[local], mentor, skills_block[local, column], text_block[local, column], preferred
        )
        total = _weighted_sum(components, self.weights)
        # Negated scores, +1 where infeasible or below the minimum: the smallest are the best.
        cost = np.ones(mask.shape, dtype=np.float32)
        cost[local, column] = np.where(total >= self.policy.min_score, -total, np.float32(1.0))
        take = min(k, len(columns))
        if take < len(columns):
            top = np.argpartition(cost, take - 1, axis=1)[:, :take]
        else:
            top = np.broadcast_to(np.arange(len(columns)), cost.shape).copy()
        top_cost = np.take_along_axis(cost, top, axis=1)
        order = np.argsort(top_cost, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_cost = np.take_along_axis(top_cost, order, axis=1)
        keep = top_cost <= 0
        return Candidates(
            mentee=np.broadcast_to(block_rows[:, None], top.shape)[keep].astype(np.intp),
            mentor=columns[top[keep]].astype(np.intp),
            score=(-top_cost[keep]).astype(np.float32),
        )
