"""A program round from participants to explained proposals (pure: no I/O).

Features (pools), scores and top-K candidates per mentee, the min-cost-flow assignment under
mentor capacity, then the breakdown and reasons of every pair kept. Each stage is timed, so a
round's statistics say where its time went.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.assignment import UNASSIGNED, assign
from matching.availability import Horizon
from matching.intake import Criterion
from matching.pool import MenteeBatch, MentorPool, PairRules, Participant
from matching.ranking import explain_pairs
from matching.scoring import Scorer, ScoringPolicy


@dataclass(frozen=True)
class RoundOptions:
    candidates_per_mentee: int = 24
    load_spread: float = 0.01
    min_score: float = 0.05


@dataclass(frozen=True)
class PlannedProposal:
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID | None  # None: waitlisted
    score: float
    breakdown: dict[str, float]
    reasons: list[str]


@dataclass(frozen=True)
class RoundPlan:
    proposals: list[PlannedProposal]
    stats: dict[str, Any] = field(default_factory=dict)


def plan_round(
    mentees: Sequence[Participant],
    mentors: Sequence[Participant],
    *,
    rules: PairRules,
    policy: ScoringPolicy,
    open_slots: npt.NDArray[np.integer],
    load: npt.NDArray[np.integer],
    horizon: Horizon,
    session_minutes: int,
    options: RoundOptions,
    skill_labels: Mapping[str, str] | None = None,
    criteria: Sequence[Criterion] = (),
) -> RoundPlan:
    """The best assignment of `mentees` to `mentors` (open slots per mentor), explained."""
    started = time.perf_counter()
    policy = replace(policy, min_score=options.min_score)
    pool = MentorPool.build(
        mentors,
        horizon=horizon,
        session_minutes=session_minutes,
        extra_corpus=[mentee.text for mentee in mentees],
        managers=rules.managers,
        criteria=criteria,
    )
    batch = MenteeBatch.build(mentees, pool, rules)
    features_done = time.perf_counter()
    scorer = Scorer(pool, batch, policy, open_slots=open_slots)
    candidates = scorer.candidates(options.candidates_per_mentee)
    scored = time.perf_counter()
    assignment = assign(
        candidates, mentees=batch.size, open_slots=open_slots, load=load, spread=options.load_spread
    )
    assigned_done = time.perf_counter()
    placed = np.flatnonzero(assignment.mentor_of != UNASSIGNED)
    explained = explain_pairs(scorer, placed, assignment.mentor_of[placed], skill_labels=skill_labels)
    by_mentee = {pair.mentee: pair for pair in explained}
    proposals = []
    for row, mentee in enumerate(batch.mentees):
        pair = by_mentee.get(row)
        if pair is None:
            proposals.append(PlannedProposal(mentee.person_id, None, 0.0, {}, []))
        else:
            proposals.append(
                PlannedProposal(
                    mentee.person_id,
                    pool.mentors[pair.mentor].person_id,
                    pair.score,
                    pair.breakdown,
                    pair.reasons,
                )
            )
    finished = time.perf_counter()
    with_candidates = np.unique(candidates.mentee).size
    scores = [pair.score for pair in explained]
    return RoundPlan(
        proposals=proposals,
        stats={
            "mentees": batch.size,
            "mentors": pool.size,
            "open_slots": int(np.asarray(open_slots).sum()),
            "assigned": len(explained),
            "waitlisted": batch.size - len(explained),
            "without_feasible_mentor": int(batch.size - with_candidates),
            "candidate_pairs": candidates.size,
            "mean_score": round(float(np.mean(scores)), 4) if scores else None,
            "objective": round(assignment.objective, 4),
            "seconds": {
                "features": round(features_done - started, 3),
                "scoring": round(scored - features_done, 3),
                "assignment": round(assigned_done - scored, 3),
                "explanations": round(finished - assigned_done, 3),
            },
        },
    )
