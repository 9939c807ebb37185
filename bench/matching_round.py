"""Benchmark: a program-wide matching round on a realistic synthetic organization.

Figures (headline 10,000 mentees x 2,000 mentors, capacity 5):
- `seconds`: scores plus assignment (features, hard filters, scores, top-K, min-cost flow), pure
  code, median of --repeat runs, reported apart as `features_seconds`, `scoring_seconds` and
  `assignment_seconds`; `explain_seconds` for the breakdowns and reasons of the kept pairs (not in
  `seconds`); every program is scored with the shared default weights, as profiles stores them,
  every component included: personality and working style (about 70% answered each), the
  program's intake criteria (a must_match filter, a prefer_match and a prefer_different one) and
  matching on a self-identified attribute for those who asked (`matching.synthetic`);
- `cpu_seconds`: the process CPU time of the same runs (median): on a shared machine the wall
  clock also counts other processes' turns, CPU time is what the round costs;
- `peak_mb`: the RSS high-water mark above the RSS before the run (Linux: reset through
  /proc/self/clear_refs, read from VmHWM), so C++ (OR-Tools) and BLAS memory counts too;
- `gap_pct`: the min-cost flow over each mentee's top-K against the exact assignment (scipy,
  Hungarian on the capacity-expanded matrix) of the same objective, at --gap-mentees x --gap-mentors
  (2,000 x 500 by default: the exact solver does not reach the headline size), named in the figures
  as `gap_mentees` and `gap_mentors`;
- `load_seconds`, `persist_seconds`, `publish_seconds`: the same round through the service on
  PostgreSQL (read model seeded in bulk): reading the read model, storing the draft with its
  proposals, publishing them as matches with their events (outbox).

`python bench/matching_round.py --mentees 50000 --mentors 10000 --no-service --gap-mentees 0` runs the
large size. Starts embedded PostgreSQL and NATS unless DATABASE_URL / NATS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from mentorship.benchmarking import bench_platform, machine, print_figures, print_table

import numpy as np

from matching.assignment import assign, exact_assignment
from matching.availability import Horizon
from matching.pool import MenteeBatch, MentorPool, PairRules
from matching.scoring import Scorer, ScoringPolicy
from matching.synthetic import Organization, organization, seed_read_model

HORIZON = Horizon.after(dt.datetime.now(dt.UTC))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def score_and_assign(org: Organization, *, k: int) -> dict[str, Any]:
    """One round in pure code: features, scores and top-K, assignment; then the explanations."""
    from matching.ranking import explain_pairs

    started, cpu = time.perf_counter(), time.process_time()
    pool = MentorPool.build(
        org.mentors,
        horizon=HORIZON,
        session_minutes=60,
        extra_corpus=[m.text for m in org.mentees],
        managers=org.managers,
        criteria=org.criteria,
    )
    batch = MenteeBatch.build(org.mentees, pool, PairRules(managers=org.managers))
    features = time.perf_counter()
    scorer = Scorer(pool, batch, ScoringPolicy(), open_slots=org.capacity)
    candidates = scorer.candidates(k)
    scored = time.perf_counter()
    result = assign(candidates, mentees=batch.size, open_slots=org.capacity)
    assigned = time.perf_counter()
    cpu_seconds = time.process_time() - cpu
    placed = np.flatnonzero(result.mentor_of >= 0)
    explain_pairs(scorer, placed, result.mentor_of[placed])
    explained = time.perf_counter()
    total_pairs = batch.size * pool.size
    feasible = int(
        sum(scorer.feasible_block(rows).sum() for rows in np.array_split(np.arange(batch.size), 20))
    )
    return {
        "features": features - started,
        "scoring": scored - features,
        "assignment": assigned - scored,
        "seconds": assigned - started,
        "cpu_seconds": cpu_seconds,
        "explain": explained - assigned,
        "assigned": result.assigned,
        "objective": result.objective,
        "feasible_share": feasible / total_pairs,
        "mentee_patterns": batch.availability.count,
        "mentor_patterns": pool.availability.count,
    }


def optimality_gap(mentees: int, mentors: int, *, k: int, capacity: int) -> dict[str, float]:
    org = organization(mentees, mentors, capacity=capacity, seed=11)
    pool = MentorPool.build(
        org.mentors,
        horizon=HORIZON,
        session_minutes=60,
        extra_corpus=[m.text for m in org.mentees],
        managers=org.managers,
        criteria=org.criteria,
    )
    batch = MenteeBatch.build(org.mentees, pool, PairRules(managers=org.managers))
    scorer = Scorer(pool, batch, ScoringPolicy(), open_slots=org.capacity)
    everything = scorer.candidates(pool.size)
    dense = np.full((batch.size, pool.size), np.nan)
    dense[everything.mentee, everything.mentor] = everything.score
    started = time.perf_counter()
    exact = exact_assignment(dense, open_slots=org.capacity)
    exact_seconds = time.perf_counter() - started
    started = time.perf_counter()
    flow = assign(scorer.candidates(k), mentees=batch.size, open_slots=org.capacity)
    flow_seconds = time.perf_counter() - started
    return {
        "gap_pct": 100 * (exact.objective - flow.objective) / exact.objective,
        "exact_objective": exact.objective,
        "flow_objective": flow.objective,
        "exact_seconds": exact_seconds,
        "flow_seconds": flow_seconds,
    }


async def through_the_service(org: Organization, *, capacity: int) -> dict[str, Any]:
    """Plan and publish the round with the service code, on a read model seeded in bulk."""
    from matching.config import MatchingSettings
    from matching.schemas import RoundCreate
    from matching.service import rounds
    from shared.auth import Principal, Role
    from shared.db import create_engine, session_factory, transaction

    with bench_platform() as platform:
        org_id, program_id = await seed_read_model(platform.database_url, org, capacity=capacity)
        settings = MatchingSettings(database_url=platform.database_url, environment="test")
        engine = create_engine(platform.database_url)
        sessions = session_factory(engine)
        admin = Principal(subject="bench", organization=org_id, roles=frozenset({Role.ADMIN}))
        started = time.perf_counter()
        async with transaction(sessions) as session:
            round_ = await rounds.create_round(
                session, caller=admin, program_id=program_id, body=RoundCreate(), settings=settings
            )
        created = time.perf_counter() - started
        started = time.perf_counter()
        async with transaction(sessions) as session:
            published = await rounds.publish_round(
                session, caller=admin, round_id=round_.id, if_match=None, settings=settings
            )
        publish_seconds = time.perf_counter() - started
        await engine.dispose()
    seconds = round_.stats["seconds"]
    return {
        "create_seconds": created,
        "load_seconds": seconds["load"],
        "plan_seconds": sum(
            seconds[stage] for stage in ("features", "scoring", "assignment", "explanations")
        ),
        "persist_seconds": seconds["persist"],
        "publish_seconds": publish_seconds,
        "published": published.stats["published"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentees", type=int, default=10_000, help="mentees in the round (default 10,000)")
    parser.add_argument("--mentors", type=int, default=2_000, help="mentors in the round (default 2,000)")
    parser.add_argument("--capacity", type=int, default=5, help="mentees per mentor (default 5)")
    parser.add_argument("--candidates", type=int, default=24, help="top-K candidates per mentee (default 24)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of the pure round (median; default 3)"
    )
    parser.add_argument(
        "--gap-mentees", type=int, default=2_000, help="gap size, mentees (0 skips; default 2,000)"
    )
    parser.add_argument("--gap-mentors", type=int, default=500, help="gap size, mentors (default 500)")
    parser.add_argument("--no-service", action="store_true", help="skip the round through PostgreSQL")
    args = parser.parse_args()

    org = organization(args.mentees, args.mentors, capacity=args.capacity)
    runs = []
    peak = float("nan")
    for run in range(max(1, args.repeat)):
        baseline = rss_mb()
        measured = run == 0 and reset_peak()
        runs.append(score_and_assign(org, k=args.candidates))
        if measured:
            peak = peak_mb() - baseline
    median = {
        key: statistics.median(run[key] for run in runs)
        for key in ("features", "scoring", "assignment", "seconds", "cpu_seconds", "explain")
    }
    first = runs[0]
    rows: list[tuple[str, object]] = [
        ("mentees x mentors (capacity)", f"{args.mentees:,} x {args.mentors:,} ({args.capacity})"),
        ("feasible pairs after hard filters", f"{first['feasible_share']:.1%}"),
        ("distinct availability patterns", f"{first['mentee_patterns']:,} / {first['mentor_patterns']:,}"),
        ("features (s)", median["features"]),
        ("scores and top-K (s)", median["scoring"]),
        ("assignment, min-cost flow (s)", median["assignment"]),
        ("scores plus assignment (s)", median["seconds"]),
        ("  the same, process CPU time (s)", median["cpu_seconds"]),
        ("peak RSS above baseline (MB)", peak),
        ("explanations of kept pairs (s)", median["explain"]),
        ("mentees assigned", f"{first['assigned']:,}"),
    ]
    figures: dict[str, object] = {
        "bench": "matching_round",
        "mentees": args.mentees,
        "mentors": args.mentors,
        "capacity": args.capacity,
        "seconds": round(median["seconds"], 3),
        "cpu_seconds": round(median["cpu_seconds"], 3),
        "peak_mb": round(peak, 1),
        "features_seconds": round(median["features"], 3),
        "scoring_seconds": round(median["scoring"], 3),
        "assignment_seconds": round(median["assignment"], 3),
        "explain_seconds": round(median["explain"], 3),
    }
    if args.gap_mentees:
        gap = optimality_gap(args.gap_mentees, args.gap_mentors, k=args.candidates, capacity=args.capacity)
        rows += [
            (f"optimality gap at {args.gap_mentees:,} x {args.gap_mentors:,} (%)", gap["gap_pct"]),
            ("  exact (Hungarian) / flow seconds", f"{gap['exact_seconds']:.2f} / {gap['flow_seconds']:.2f}"),
        ]
        figures.update(
            gap_pct=round(gap["gap_pct"], 4), gap_mentees=args.gap_mentees, gap_mentors=args.gap_mentors
        )
    if not args.no_service:
        service = asyncio.run(through_the_service(org, capacity=args.capacity))
        rows += [
            ("service: read model load (s)", service["load_seconds"]),
            ("service: plan incl. explanations (s)", service["plan_seconds"]),
            ("service: persist draft + proposals (s)", service["persist_seconds"]),
            ("service: publish matches + events (s)", service["publish_seconds"]),
        ]
        figures.update(
            load_seconds=round(service["load_seconds"], 3),
            persist_seconds=round(service["persist_seconds"], 3),
            publish_seconds=round(service["publish_seconds"], 3),
            published=service["published"],
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print_table(f"Matching round - {machine()}, load {load:.1f}", rows)
    print_figures(figures)


if __name__ == "__main__":
    main()
