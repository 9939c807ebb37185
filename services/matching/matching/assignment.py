"""Program-wide assignment of mentees to mentors under capacity (pure: no I/O).

Maximizes the total score of the pairs minus a load-spreading penalty, as a min-cost flow
(OR-Tools): each mentee sends one unit, either to one of its top-K candidate mentors or along an
"unassigned" arc to the waitlist; each mentor passes at most its open slots to the sink through
one arc per slot, the t-th costing `spread * (load + t)`. Those costs are convex per mentor, so the
flow fills a mentor's cheap slots first and prefers a slightly lower score with an idle mentor to
piling mentees on one. Costs are integers (scores scaled by SCALE).

`exact_assignment` solves the same objective over all pairs with the Hungarian method on the
capacity-expanded matrix (scipy): it is the reference for tests and the optimality-gap benchmark,
too slow and too large for real programs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

from matching.scoring import Candidates

SCALE = 10_000
DEFAULT_SPREAD = 0.01
UNASSIGNED = -1


class AssignmentError(RuntimeError):
    """The solver did not reach an optimal flow (a bug or inconsistent input, never a busy program)."""


@dataclass(frozen=True)
class Assignment:
    """The mentor of each mentee (UNASSIGNED for the waitlist) and the objective reached."""

    mentor_of: npt.NDArray[np.intp]
    score_of: npt.NDArray[np.float32]  # the pair's score, 0 on the waitlist
    objective: float

    @property
    def assigned(self) -> int:
        return int((self.mentor_of != UNASSIGNED).sum())


def objective(
    mentor_of: npt.NDArray[np.intp],
    score_of: npt.NDArray[np.floating],
    *,
    mentors: int,
    load: npt.NDArray[np.integer] | None = None,
    spread: float = DEFAULT_SPREAD,
) -> float:
    """Total score minus the spreading penalty of the loads `mentor_of` leads to."""
    base = np.zeros(mentors, dtype=np.int64) if load is None else np.asarray(load, dtype=np.int64)
    added = np.bincount(mentor_of[mentor_of != UNASSIGNED], minlength=mentors)
    # Penalty of slots base .. base + added - 1 at spread * slot each.
    penalty = spread * float((added * base + added * (added - 1) // 2).sum())
    return float(score_of[mentor_of != UNASSIGNED].sum()) - penalty


def assign(
    candidates: Candidates,
    *,
    mentees: int,
    open_slots: npt.NDArray[np.integer],
    load: npt.NDArray[np.integer] | None = None,
    spread: float = DEFAULT_SPREAD,
) -> Assignment:
    """Best assignment of `mentees` over their candidate mentors, under each mentor's open slots."""
    mentors = len(open_slots)
    open_slots = np.asarray(open_slots, dtype=np.int64)
    base = np.zeros(mentors, dtype=np.int64) if load is None else np.asarray(load, dtype=np.int64)
    mentor_of = np.full(mentees, UNASSIGNED, dtype=np.intp)
    score_of = np.zeros(mentees, dtype=np.float32)
    usable = open_slots[candidates.mentor] > 0
    pair_mentee = candidates.mentee[usable]
    pair_mentor = candidates.mentor[usable]
    pair_score = candidates.score[usable]
    if len(pair_mentee) == 0:
        return Assignment(mentor_of, score_of, 0.0)

    # Compact node ids: only mentees with candidates and mentors someone can reach take part.
    active_mentees, mentee_node = np.unique(pair_mentee, return_inverse=True)
    active_mentors, mentor_local = np.unique(pair_mentor, return_inverse=True)
    mentee_count, mentor_count = len(active_mentees), len(active_mentors)
    sink = mentee_count + mentor_count
    # No mentor can take more than the mentees who name it, so its slot arcs stop there.
    demand = np.bincount(mentor_local, minlength=mentor_count)
    slots = np.minimum(open_slots[active_mentors], demand)
    slot_mentor = np.repeat(np.arange(mentor_count), slots)
    slot_rank = np.arange(len(slot_mentor)) - np.repeat(np.cumsum(slots) - slots, slots)

    pair_cost = SCALE - np.rint(np.clip(pair_score, 0.0, 1.0) * SCALE).astype(np.int64)
    slot_cost = np.rint(spread * SCALE * (base[active_mentors][slot_mentor] + slot_rank)).astype(np.int64)
    tails = np.concatenate([mentee_node, np.arange(mentee_count), mentee_count + slot_mentor])
    heads = np.concatenate(
        [mentee_count + mentor_local, np.full(mentee_count, sink), np.full(len(slot_mentor), sink)]
    )
    costs = np.concatenate([pair_cost, np.full(mentee_count, SCALE), slot_cost])
    capacities = np.ones(len(tails), dtype=np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:mentee_count] = 1
    supplies[sink] = -mentee_count
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AssignmentError(f"min-cost flow ended with status {status}")
    used = flow.flows(arcs[: len(pair_mentee)]) > 0
    mentor_of[pair_mentee[used]] = pair_mentor[used]
    score_of[pair_mentee[used]] = pair_score[used]
    return Assignment(
        mentor_of,
        score_of,
        objective(mentor_of, score_of, mentors=mentors, load=base, spread=spread),
    )


def exact_assignment(
    scores: npt.NDArray[np.floating],
    *,
    open_slots: npt.NDArray[np.integer],
    load: npt.NDArray[np.integer] | None = None,
    spread: float = DEFAULT_SPREAD,
) -> Assignment:
    """The optimum over ALL pairs (`scores` is mentees x mentors, NaN where infeasible). Reference only."""
    mentees, mentors = scores.shape
    open_slots = np.asarray(open_slots, dtype=np.int64)
    base = np.zeros(mentors, dtype=np.int64) if load is None else np.asarray(load, dtype=np.int64)
    slot_mentor = np.repeat(np.arange(mentors), open_slots)
    slot_rank = np.arange(len(slot_mentor)) - np.repeat(np.cumsum(open_slots) - open_slots, open_slots)
    forbidden = 1e6
    gain = np.nan_to_num(scores[:, slot_mentor].astype(np.float64), nan=-forbidden)
    cost = -(gain - spread * (base[slot_mentor] + slot_rank)[None, :])
    # One waitlist column per mentee at cost 0, so everyone can stay unassigned.
    cost = np.concatenate([cost, np.zeros((mentees, mentees))], axis=1)
    rows, columns = linear_sum_assignment(cost)
    mentor_of = np.full(mentees, UNASSIGNED, dtype=np.intp)
    score_of = np.zeros(mentees, dtype=np.float32)
    placed = columns < len(slot_mentor)
    placed_rows = rows[placed]
    placed_mentors = slot_mentor[columns[placed]]
    feasible = ~np.isnan(scores[placed_rows, placed_mentors])
    mentor_of[placed_rows[feasible]] = placed_mentors[feasible]
    score_of[placed_rows[feasible]] = scores[placed_rows[feasible], placed_mentors[feasible]]
    return Assignment(
        mentor_of,
        score_of,
        objective(mentor_of, score_of, mentors=mentors, load=base, spread=spread),
    )
