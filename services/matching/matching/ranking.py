"""Explained pairs out of a scorer: suggestions for one mentee, and the pairs a round keeps (pure).

A scorer ranks pairs with arrays; this turns chosen pairs into what people read: the score, its
breakdown per component and the reasons. Inputs of the reasons (common windows, shared words) are
computed in bulk for all chosen pairs, so explaining a whole round stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.availability import intervals
from matching.reasons import explain
from matching.scoring import COMPONENTS, Scorer

Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class ExplainedPair:
    mentee: int  # row in the scorer's mentee batch
    mentor: int  # row in the scorer's mentor pool
    score: float
    breakdown: dict[str, float]
    reasons: list[str]


def _shared_terms(scorer: Scorer, mentees: Index, mentors: Index, *, limit: int = 3) -> list[list[str]]:
    if len(mentees) == 0 or not scorer.pool.text.fitted:
        return [[] for _ in mentees]
    products = scorer.batch.text_vectors[mentees].multiply(scorer.pool.text_vectors[mentors]).tocsr()
    vocabulary = scorer.pool.text.vocabulary
    terms: list[list[str]] = []
    for row in range(products.shape[0]):
        start, end = products.indptr[row], products.indptr[row + 1]
        if start == end:
            terms.append([])
            continue
        order = np.argsort(-products.data[start:end], kind="stable")[:limit]
        terms.append([str(vocabulary[column]) for column in products.indices[start:end][order]])
    return terms


def explain_pairs(
    scorer: Scorer, mentees: Index, mentors: Index, *, skill_labels: Mapping[str, str] | None = None
) -> list[ExplainedPair]:
    """Score, breakdown and reasons of the pairs (mentees[i], mentors[i])."""
    mentees = np.asarray(mentees, dtype=np.intp)
    mentors = np.asarray(mentors, dtype=np.intp)
    components = scorer.pair_components(mentees, mentors)
    totals = scorer.total(components)
    batch, pool = scorer.batch, scorer.pool
    mentee_patterns = batch.availability.index[mentees]
    mentor_patterns = pool.availability.index[mentors]
    minutes = scorer.overlap.weekly_minutes(mentee_patterns, mentor_patterns)
    terms = _shared_terms(scorer, mentees, mentors)
    preferred = np.asarray(batch.preferred[mentees, mentors]).ravel() if len(mentees) else np.zeros(0)
    weights = {
        component.value: weight for component, weight in zip(COMPONENTS, scorer.policy.weights, strict=True)
    }
    horizon = pool.horizon
    explained = []
    for position, (mentee, mentor) in enumerate(zip(mentees.tolist(), mentors.tolist(), strict=True)):
        breakdown = {
            component.value: round(float(value), 4)
            for component, value in zip(COMPONENTS, components[position], strict=True)
        }
        both = (
            batch.availability.free[mentee_patterns[position]]
            & pool.availability.free[mentor_patterns[position]]
        )
        reasons = explain(
            batch.mentees[mentee],
            pool.mentors[mentor],
            breakdown,
            weights=weights,
            horizon=horizon,
            weekly_minutes=float(minutes[position]),
            common=intervals(both, horizon),
            shared_terms=terms[position],
            preferred=bool(preferred[position]),
            skill_labels=skill_labels,
            personality_fit=scorer.policy.personality_fit,
            criteria=pool.criteria,
            seniority_direction=scorer.policy.seniority_direction,
        )
        explained.append(
            ExplainedPair(
                mentee=mentee,
                mentor=mentor,
                score=round(float(min(max(totals[position], 0.0), 1.0)), 4),
                breakdown=breakdown,
                reasons=reasons,
            )
        )
    return explained


def suggest(
    scorer: Scorer, mentee: int, limit: int, *, skill_labels: Mapping[str, str] | None = None
) -> list[ExplainedPair]:
    """The `limit` best feasible mentors of one mentee of the scorer's batch, explained, best first."""
    candidates = scorer.candidates(limit, rows=np.asarray([mentee], dtype=np.intp))
    return explain_pairs(scorer, candidates.mentee, candidates.mentor, skill_labels=skill_labels)
