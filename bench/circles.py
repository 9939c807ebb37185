"""Benchmark: forming circles, and common slots of a group across time zones (pure code, no I/O).

Figures (headline: circles of up to 6 for 5,000 mentees with 400 facilitators of capacity 3; common
slots of 8 people in 6 time zones over 4 weeks):
- `circles_seconds`: `matching.circles.plan_circles` end to end (features, greedy circles, the
  min-cost flow of members, the bound, the explanations of every member), wall clock, median of
  --repeat runs; `circles_cpu_seconds` the process CPU time of the same runs (the machine may be
  shared: CPU time is what the code costs, wall clock what a caller waits);
- `circles_peak_mb`: the RSS high-water mark above the RSS before the run (Linux: reset through
  /proc/self/clear_refs, read from VmHWM), so OR-Tools' and BLAS memory counts too;
- `circles_gap_pct`: how far below its bound the plan is at most: the bound sums each mentee's
  best fit with any facilitator (any shared topic, language and common time), over as many mentees
  as the facilitators' capacity has seats; `circles_placed` of `mentees` got a place;
- `group_slots_median_ms` (and `_p95_ms`): `scheduling.slots.common_slots` for 8 people in 6 zones
  (Berlin, London, New York, São Paulo, Kolkata, Tokyo), weekday windows in local time, 30 sessions
  already booked, over 4 weeks on a 15-minute grid, median of --slot-repeats runs.

The synthetic organization (Zipf-skewed skills, a dozen zones, regional languages) is
`matching.synthetic`; it is built before timing starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from mentorship.benchmarking import machine, percentile, print_figures, print_table

import numpy as np

from matching.availability import Horizon
from matching.circles import CircleRules, plan_circles
from matching.synthetic import organization
from scheduling.availability import Availability
from scheduling.slots import SlotRules, common_slots

GROUP_ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
)


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


def measure_circles(args: argparse.Namespace) -> dict[str, Any]:
    org = organization(args.mentees, args.facilitators, capacity=args.capacity, seed=7)
    rules = CircleRules(min_size=args.min_size, max_size=args.size, facilitators=args.per_circle)
    horizon = Horizon.after(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    walls, cpus, peaks = [], [], []
    plan = None
    for _ in range(args.repeat):
        baseline = rss_mb()
        exact_peak = reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        plan = plan_circles(org.mentees, org.mentors, capacity=org.capacity, rules=rules, horizon=horizon)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        peaks.append(peak_mb() - baseline if exact_peak else peak_mb())
    assert plan is not None
    sizes = np.bincount([len(circle.members) for circle in plan.circles]) if plan.circles else np.zeros(1)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "peak": max(peaks),
        "stats": plan.stats,
        "sizes": {size: int(count) for size, count in enumerate(sizes) if count},
    }


def group(people: int, seed: int = 11) -> tuple[list[Availability], list[tuple[dt.datetime, dt.datetime]]]:
    """`people` spread over the six zones, each free 06:00-23:00 local on weekdays with a half-hour
    lunch break, one dated day off each; 30 sessions already booked among them."""
    rng = random.Random(seed)
    found = []
    for index in range(people):
        zone = GROUP_ZONES[index % len(GROUP_ZONES)]
        windows = [
            window
            for day in range(5)
            for window in (
                {"weekday": day, "start": "06:00", "end": "12:00"},
                {"weekday": day, "start": "12:30", "end": "23:00"},
            )
        ]
        off = [{"date": f"2026-03-{rng.randrange(3, 27):02d}", "unavailable": True}]
        found.append(Availability.from_profile(time_zone=zone, availability=windows, overrides=off))
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    booked = []
    for _ in range(30):
        begin = start + dt.timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 28))
        booked.append((begin, begin + dt.timedelta(minutes=70)))
    return found, booked


def measure_group_slots(args: argparse.Namespace) -> dict[str, Any]:
    people, booked = group(args.people)
    window = (
        dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(weeks=args.weeks),
    )
    rules = SlotRules(
        length=dt.timedelta(minutes=60),
        grid=dt.timedelta(minutes=15),
        buffer=dt.timedelta(minutes=10),
        minimum_notice=dt.timedelta(hours=12),
        horizon=dt.timedelta(weeks=args.weeks + 1),
    )
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    timings, cpu_timings, found = [], [], 0
    for _ in range(args.slot_repeats):
        started, cpu = time.perf_counter(), time.process_time()
        found = len(
            common_slots(
                people,
                window_start=window[0],
                window_end=window[1],
                blocked=booked,
                rules=rules,
                now=now,
                grid_zone=GROUP_ZONES[0],
            )
        )
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu) * 1000)
    return {
        "median": statistics.median(timings),
        "p95": percentile(timings, 95),
        "cpu_median": statistics.median(cpu_timings),
        "found": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--facilitators", type=int, default=400)
    parser.add_argument("--capacity", type=int, default=3, help="circles each facilitator can run")
    parser.add_argument("--size", type=int, default=6, help="most mentees in a circle")
    parser.add_argument("--min-size", type=int, default=4, help="fewest mentees a circle is formed with")
    parser.add_argument("--per-circle", type=int, default=1, help="facilitators per circle")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--people", type=int, default=8, help="people of the group slot search")
    parser.add_argument("--weeks", type=int, default=4, help="weeks of the group slot search")
    parser.add_argument("--slot-repeats", type=int, default=50)
    args = parser.parse_args()

    slots = measure_group_slots(args)
    circles = measure_circles(args)
    stats = circles["stats"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print_table(
        f"Circles of {args.min_size}-{args.size}: {args.mentees:,} mentees, {args.facilitators:,} "
        f"facilitators (capacity {args.capacity}) - {machine()}, load {load:.1f}",
        [
            ("solver", stats["solver"]),
            ("circles formed", stats["circles"]),
            ("circle sizes (members: circles)", circles["sizes"]),
            ("mentees placed", f"{stats['placed']:,} of {args.mentees:,} ({stats['seats']:,} seats)"),
            ("mean fit of a member", stats["mean_fit"]),
            ("objective / bound", f"{stats['objective']:,.1f} / {stats['bound']:,.1f}"),
            ("gap to the bound (%)", stats["gap_pct"]),
            ("seconds (wall, median)", circles["wall"]),
            ("seconds (CPU, median)", circles["cpu"]),
            ("stages (s)", stats["seconds"]),
            ("peak MB", circles["peak"]),
        ],
    )
    print()
    print_table(
        f"Common slots: {args.people} people in {len(GROUP_ZONES)} zones over {args.weeks} weeks",
        [
            ("slots found", slots["found"]),
            ("median ms (wall)", slots["median"]),
            ("p95 ms (wall)", slots["p95"]),
            ("median ms (CPU)", slots["cpu_median"]),
        ],
    )
    print_figures(
        {
            "bench": "circles",
            "mentees": args.mentees,
            "facilitators": args.facilitators,
            "capacity": args.capacity,
            "circle_size": args.size,
            "circle_min_size": args.min_size,
            "circles": stats["circles"],
            "circles_placed": stats["placed"],
            "circles_seconds": round(circles["wall"], 3),
            "circles_cpu_seconds": round(circles["cpu"], 3),
            "circles_peak_mb": round(circles["peak"], 1),
            "circles_gap_pct": stats["gap_pct"],
            "group_slots_people": args.people,
            "group_slots_zones": len(GROUP_ZONES),
            "group_slots_weeks": args.weeks,
            "group_slots_found": slots["found"],
            "group_slots_median_ms": round(slots["median"], 3),
            "group_slots_p95_ms": round(slots["p95"], 3),
            "group_slots_cpu_median_ms": round(slots["cpu_median"], 3),
            "load_average": round(load, 2),
        }
    )


if __name__ == "__main__":
    main()
