"""The min-cost-flow assignment: capacity, waitlist, load spreading, and optimality against Hungarian."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.assignment import UNASSIGNED, assign, exact_assignment, objective
from matching.availability import Horizon
from matching.intake import criteria_of
from matching.pool import MenteeBatch, MentorPool, PairRules
from matching.ranking import explain_pairs
from matching.scoring import Candidates, Scorer, ScoringPolicy
from matching.synthetic import criteria_documents, organization


def all_pairs(scores: np.ndarray) -> Candidates:
    mentee, mentor = np.nonzero(~np.isnan(scores))
    return Candidates(
        mentee.astype(np.intp), mentor.astype(np.intp), scores[mentee, mentor].astype(np.float32)
    )


def test_mentor_capacity_is_never_exceeded_and_the_rest_wait() -> None:
    scores = np.full((4, 2), 0.9)
    result = assign(all_pairs(scores), mentees=4, open_slots=np.array([1, 2]))
    assert np.bincount(result.mentor_of[result.mentor_of >= 0], minlength=2).tolist() == [1, 2]
    assert (result.mentor_of == UNASSIGNED).sum() == 1


def test_mentees_without_a_feasible_mentor_are_waitlisted() -> None:
    scores = np.array([[0.8, np.nan], [np.nan, np.nan]])
    result = assign(all_pairs(scores), mentees=2, open_slots=np.array([3, 3]))
    assert result.mentor_of.tolist() == [0, UNASSIGNED]


def test_load_is_spread_over_equally_good_mentors() -> None:
    scores = np.full((6, 3), 0.7)
    result = assign(all_pairs(scores), mentees=6, open_slots=np.array([6, 6, 6]))
    assert sorted(np.bincount(result.mentor_of, minlength=3).tolist()) == [2, 2, 2]


def test_a_much_better_mentor_still_wins_over_spreading() -> None:
    scores = np.array([[0.95, 0.40], [0.95, 0.40]])
    result = assign(all_pairs(scores), mentees=2, open_slots=np.array([2, 2]))
    assert result.mentor_of.tolist() == [0, 0]


def test_existing_load_counts_towards_spreading() -> None:
    scores = np.array([[0.7, 0.7]])
    result = assign(all_pairs(scores), mentees=1, open_slots=np.array([5, 5]), load=np.array([3, 0]))
    assert result.mentor_of.tolist() == [1]


@settings(max_examples=60, deadline=None)
@given(
    mentees=st.integers(1, 9),
    mentors=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    spread=st.sampled_from([0.0, 0.01, 0.05]),
)
def test_with_every_pair_as_candidate_the_flow_is_optimal(
    mentees: int, mentors: int, seed: int, spread: float
) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.random((mentees, mentors)).round(3)
    scores[rng.random((mentees, mentors)) < 0.3] = np.nan
    slots = rng.integers(0, 3, size=mentors)

    flow = assign(all_pairs(scores), mentees=mentees, open_slots=slots, spread=spread)
    exact = exact_assignment(scores, open_slots=slots, spread=spread)

    assert np.all(np.bincount(flow.mentor_of[flow.mentor_of >= 0], minlength=mentors) <= slots)
    assert abs(flow.objective - exact.objective) <= 1e-3 * mentees  # integer costs round scores to 1e-4


def test_top_k_candidates_stay_within_half_a_percent_of_the_exact_optimum() -> None:
    org = organization(400, 100, capacity=5, seed=11)
    pool = MentorPool.build(
        org.mentors,
        horizon=Horizon.after(dt.datetime(2026, 11, 2, tzinfo=dt.UTC)),
        session_minutes=60,
        managers=org.managers,
    )
    batch = MenteeBatch.build(org.mentees, pool, PairRules(managers=org.managers))
    scorer = Scorer(pool, batch, ScoringPolicy(), open_slots=org.capacity)
    everything = scorer.candidates(pool.size)
    dense = np.full((batch.size, pool.size), np.nan)
    dense[everything.mentee, everything.mentor] = everything.score

    exact = exact_assignment(dense, open_slots=org.capacity)
    flow = assign(scorer.candidates(24), mentees=batch.size, open_slots=org.capacity)

    gap = (exact.objective - flow.objective) / exact.objective
    assert 0 <= gap <= 0.005
    assert objective(flow.mentor_of, flow.score_of, mentors=pool.size) == flow.objective


def test_the_benchmarks_synthetic_organization_exercises_every_component() -> None:
    """`bench/matching_round.py` measures the round with the personal components included: the
    synthetic people answered personality, working style and the program's intake criteria, and a
    few asked to be matched on a self-identified attribute, so none of these is a constant."""
    org = organization(400, 100, capacity=5, seed=5)
    assert criteria_of(criteria_documents(org.criteria)) == org.criteria
    horizon = Horizon.after(dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    feasible = []
    for criteria in (org.criteria, ()):
        pool = MentorPool.build(
            org.mentors, horizon=horizon, session_minutes=60, managers=org.managers, criteria=criteria
        )
        batch = MenteeBatch.build(org.mentees, pool, PairRules(managers=org.managers))
        scorer = Scorer(pool, batch, ScoringPolicy(), open_slots=org.capacity)
        feasible.append(int(scorer.feasible_block(np.arange(batch.size)).sum()))
        if criteria:
            candidates = scorer.candidates(24)
            pairs = explain_pairs(scorer, candidates.mentee, candidates.mentor)
    assert 0 < feasible[0] < feasible[1]  # the must_match criterion filters some pairs, not all
    for component in ("personality", "working_style", "intake", "preferences"):
        assert len({round(pair.breakdown[component], 3) for pair in pairs}) > 2, component
    assert any("both answered" in reason for pair in pairs for reason in pair.reasons)
