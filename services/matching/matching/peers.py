"""Peer mentoring: pairs of equals who teach each other (pure: no I/O).

Every peer is both a mentor and a mentee, so each possible pair is scored in both directions with
the program's scorer (seniority within the peer band either way). A pair is possible only when
each side has a strong skill (level >= STRONG) the other wants to learn above their current level,
both are within the seniority band, and the usual hard filters pass both ways (a shared language,
common time, no exclusion). Its score is the mean of the two directions.

Pairs are chosen by a maximum-weight matching on that general graph (not bipartite: anyone may pair
with anyone), solved by CP-SAT (OR-Tools) on the candidate edges under a time limit, seeded with
the greedy matching; the solver's own bound gives the gap. Reasons name both directions ("Ada
teaches Bo pytorch (level 5; Bo aims for 3)", and the other way round).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matching.availability import Horizon
from matching.intake import Criterion
from matching.pool import MAX_LEVEL, MenteeBatch, MentorPool, PairRules, Participant, rank_of
from matching.ranking import explain_pairs
from matching.scoring import Scorer, ScoringPolicy

STRONG = 3  # a skill a peer can teach
SCALE = 10_000
SOLVER = "CP-SAT maximum-weight matching (OR-Tools), greedy start"


@dataclass(frozen=True)
class PeerPair:
    first: uuid.UUID  # stored as the match's mentee
    second: uuid.UUID  # ... and its mentor; both teach
    score: float
    breakdown: dict[str, float]
    reasons: list[str]


@dataclass(frozen=True)
class PeerPlan:
    pairs: list[PeerPair]
    unpaired: list[tuple[uuid.UUID, str]]
    stats: dict[str, Any] = field(default_factory=dict)


def teachable(teacher: Participant, learner: Participant) -> list[tuple[str, int, int]]:
    """(skill, teacher's level, learner's target) the teacher can teach the learner, best first."""
    levels = dict(teacher.skills)
    found = [
        (skill, levels[skill], target)
        for skill, current, target in learner.interests
        if levels.get(skill, 0) >= STRONG and levels[skill] > (current or 0)
    ]
    return sorted(found, key=lambda item: (-min(item[1], MAX_LEVEL), item[0]))


def within_band(first: Participant, second: Participant, band: int) -> bool:
    """Within the seniority band (unknown seniority does not rule anyone out)."""
    one, two = (
        rank_of(first.seniority, first.years_of_experience),
        rank_of(second.seniority, second.years_of_experience),
    )
    return one < 0 or two < 0 or abs(one - two) <= band


def _label(skill: str, labels: Mapping[str, str]) -> str:
    return labels.get(skill, skill.replace("-", " "))


def peer_reasons(
    first: Participant, second: Participant, shared: Sequence[str], labels: Mapping[str, str]
) -> list[str]:
    """Why two peers fit, in both directions, then what they share."""
    reasons = []
    for teacher, learner in ((first, second), (second, first)):
        for skill, level, target in teachable(teacher, learner)[:2]:
            teacher_name, learner_name = teacher.name or "one peer", learner.name or "the other"
            reasons.append(
                f"{teacher_name} teaches {learner_name} {_label(skill, labels)} "
                f"(level {level}; {learner_name} aims for {target})"
            )
    # The pair's other reasons (time, languages, goals, ...), without the one-way skill ones.
    others = [reason for reason in shared if not reason.startswith(("mentor is level", "mentor does not"))]
    return [*reasons, *others][:8]


def plan_peers(
    peers: Sequence[Participant],
    *,
    rules: PairRules,
    policy: ScoringPolicy,
    band: int,
    horizon: Horizon,
    session_minutes: int,
    candidates_per_peer: int = 24,
    time_limit: float = 5.0,
    skill_labels: Mapping[str, str] | None = None,
    criteria: Sequence[Criterion] = (),
) -> PeerPlan:
    """The best pairs of `peers` (each in at most one pair), explained both ways."""
    started = time.perf_counter()
    labels = skill_labels or {}
    policy = replace(policy, min_score=0.0)
    pool = MentorPool.build(
        peers, horizon=horizon, session_minutes=session_minutes, managers=rules.managers, criteria=criteria
    )
    batch = MenteeBatch.build(peers, pool, rules)
    scorer = Scorer(pool, batch, policy)
    candidates = scorer.candidates(candidates_per_peer)
    scored = time.perf_counter()
    directed = {
        (int(learner), int(teacher)): float(score)
        for learner, teacher, score in zip(
            candidates.mentee, candidates.mentor, candidates.score, strict=True
        )
    }
    edges: dict[tuple[int, int], float] = {}
    missing = [(teacher, learner) for learner, teacher in directed if (teacher, learner) not in directed]
    if missing:
        # The other direction of a candidate pair, scored when it was not among the other's top ones.
        learners = np.asarray([pair[0] for pair in missing], dtype=np.intp)
        teachers = np.asarray([pair[1] for pair in missing], dtype=np.intp)
        distinct, row_of = np.unique(learners, return_inverse=True)
        feasible = scorer.feasible_block(distinct)[row_of, teachers]
        totals = scorer.total(scorer.pair_components(learners, teachers))
        for index, (learner, teacher) in enumerate(missing):
            if feasible[index]:
                directed[(learner, teacher)] = float(totals[index])
    for (learner, teacher), score in directed.items():
        key = (min(learner, teacher), max(learner, teacher))
        if key in edges or (teacher, learner) not in directed:
            continue
        one, two = peers[key[0]], peers[key[1]]
        if not (teachable(one, two) and teachable(two, one) and within_band(one, two, band)):
            continue
        edges[key] = (score + directed[(teacher, learner)]) / 2
    chosen, bound, status = _matching(edges, len(peers), time_limit=time_limit)
    solved = time.perf_counter()
    pairs = _explained(scorer, peers, chosen, labels)
    paired = {person for pair in pairs for person in (pair.first, pair.second)}
    with_edge = {node for edge in edges for node in edge}
    unpaired = [
        (
            peer.person_id,
            "no peer to teach and learn from within the seniority band"
            if row not in with_edge
            else "their possible peers were paired with someone who fits them better",
        )
        for row, peer in enumerate(peers)
        if peer.person_id not in paired
    ]
    objective = sum(pair.score for pair in pairs)
    return PeerPlan(
        pairs=pairs,
        unpaired=unpaired,
        stats={
            "format": "peer",
            "solver": SOLVER,
            "solver_status": status,
            "peers": len(peers),
            "candidate_pairs": len(edges),
            "assigned": 2 * len(pairs),
            "waitlisted": len(unpaired),
            "pairs": len(pairs),
            "objective": round(objective, 4),
            "bound": round(bound, 4),
            "gap_pct": round(100.0 * (bound - objective) / bound, 2) if bound > 0 else 0.0,
            "mean_score": round(objective / len(pairs), 4) if pairs else None,
            "seconds": {
                "scoring": round(scored - started, 3),
                "matching": round(solved - scored, 3),
                "explanations": round(time.perf_counter() - solved, 3),
            },
        },
    )


def _greedy(edges: Mapping[tuple[int, int], float]) -> list[tuple[int, int]]:
    taken: set[int] = set()
    chosen = []
    for (one, two), _ in sorted(edges.items(), key=lambda item: (-item[1], item[0])):
        if one not in taken and two not in taken:
            chosen.append((one, two))
            taken.update((one, two))
    return chosen


def _matching(
    edges: Mapping[tuple[int, int], float], nodes: int, *, time_limit: float
) -> tuple[list[tuple[int, int]], float, str]:
    """A maximum-weight matching: CP-SAT over the edges, started from the greedy one; returns the
    pairs, an upper bound of the optimum and the solver's status."""
    if not edges:
        return [], 0.0, "no candidate pairs"
    greedy = _greedy(edges)
    # Imported on first use: CP-SAT (with pandas) is tens of MB of every matching process that has
    # not planned peer pairs yet, e.g. an idle one.
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    chosen = {edge: model.new_bool_var(f"e{edge[0]}_{edge[1]}") for edge in edges}
    incident: dict[int, list[cp_model.IntVar]] = {}
    for (one, two), variable in chosen.items():
        incident.setdefault(one, []).append(variable)
        incident.setdefault(two, []).append(variable)
    for variables in incident.values():
        model.add_at_most_one(variables)
    model.maximize(sum(round(weight * SCALE) * chosen[edge] for edge, weight in edges.items()))
    in_greedy = set(greedy)
    for edge, variable in chosen.items():
        model.add_hint(variable, edge in in_greedy)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = sum(max(weight for edge, weight in edges.items() if node in edge) for node in incident) / 2
        return greedy, bound, "greedy (the solver found nothing in time)"
    pairs = [edge for edge, variable in chosen.items() if solver.value(variable)]
    return pairs, solver.best_objective_bound / SCALE, solver.status_name(status).lower()


def _explained(
    scorer: Scorer, peers: Sequence[Participant], chosen: Sequence[tuple[int, int]], labels: Mapping[str, str]
) -> list[PeerPair]:
    if not chosen:
        return []
    ones = np.asarray([one for one, _ in chosen], dtype=np.intp)
    twos = np.asarray([two for _, two in chosen], dtype=np.intp)
    forward = explain_pairs(scorer, ones, twos, skill_labels=labels)
    backward = explain_pairs(scorer, twos, ones, skill_labels=labels)
    pairs = []
    for (one, two), there, back in zip(chosen, forward, backward, strict=True):
        breakdown = {
            name: round((value + back.breakdown.get(name, value)) / 2, 4)
            for name, value in there.breakdown.items()
        }
        pairs.append(
            PeerPair(
                first=peers[one].person_id,
                second=peers[two].person_id,
                score=round((there.score + back.score) / 2, 4),
                breakdown=breakdown,
                reasons=peer_reasons(peers[one], peers[two], there.reasons, labels),
            )
        )
    return pairs
