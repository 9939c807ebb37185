"""Outcomes across programs: a full recompute of an organization's report from its stored history,
and the organization dashboard over HTTP.

The organization: `--people` people (default 50,000) with two years and more of profile history
(`feedback.outcomes.synthetic`: departures, promotions, moves, skill rises at known rates), in
`--programs` programs (default 50; ten series of five runs, every objective) over the last two
years, their mentees and mentors, matches, weekly sessions, monthly check-in answers, goals,
course assignments and match health, written straight into the feedback schema with COPY (the rows
the event handlers would have written). Then:

1. `recompute_seconds`: `feedback.outcomes.recompute.recompute_report`, the use case the worker's
   job runs: read the whole history in one snapshot, compute every table (matched comparisons,
   groups, cohorts, trend, attention) and store the report;
2. `dashboard_p95_ms`: GET /v1/outcomes/dashboard as an admin, one request at a time, from the
   feedback API in its own process (one uvicorn worker, as deployed; real HTTP, auth and JSON);
   also a program's outcomes and a table's CSV.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    api_process,
    bench_platform,
    percentile,
    print_figures,
    print_table,
)

import asyncpg
import httpx

from feedback.config import FeedbackSettings
from feedback.outcomes.careers import day_date, day_number
from feedback.outcomes.recompute import recompute_report
from feedback.outcomes.seeding import copy_profile_versions
from feedback.outcomes.synthetic import Rates, synthetic_organization
from shared.auth import mint_dev_token
from shared.contracts.profiles import ProgramObjective
from shared.db import create_engine, session_factory

ORGANIZATION = "org-bench-outcomes"
SERIES = ("Onboarding", "Leadership", "ML Engineering", "Women in AI", "Career Paths") * 2
OBJECTIVES = {
    "Onboarding": ProgramObjective.ONBOARDING,
    "Leadership": ProgramObjective.LEADERSHIP,
    "ML Engineering": ProgramObjective.TECHNICAL_SKILLS,
    "Women in AI": ProgramObjective.DIVERSITY_INCLUSION,
    "Career Paths": ProgramObjective.CAREER_GROWTH,
}


def _at(day: int, hour: int = 12) -> datetime:
    return datetime.combine(day_date(day), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


async def load(database_url: str, *, people: int, programs: int, share: float, seed: int) -> dict[str, Any]:
    """Write the organization's history; returns what the measurements need."""
    rng = random.Random(seed)
    today = day_number(datetime.now(UTC))
    first, last = today - 730, today - 14
    org = synthetic_organization(
        people=people,
        participants=int(people * share),
        as_of_day=today,
        rates=Rates(leave_effect=0.7, promotion_effect=1.5),
        seed=seed,
        starts=(first, last),
    )
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    counts: dict[str, int] = {}
    try:
        counts["person_versions"] = await copy_profile_versions(
            connection, organization=ORGANIZATION, versions=org.versions
        )
        # Programs: `programs` runs spread over the two years, run i of series s named "<s> <n>".
        step = (last - first) / programs
        program_rows, cohorts = [], []
        for number in range(programs):
            name = SERIES[number % len(SERIES)]
            start = first + int(number * step)
            end = start + 270
            program_id = uuid.UUID(int=number + 1)
            status = "active" if end >= today else "closed"
            program_rows.append(
                (program_id, ORGANIZATION, f"{name} {number // len(SERIES) + 1}", "weekly", 30,
                 day_date(start), day_date(end), status, 1, OBJECTIVES[name].value)
            )  # fmt: skip
            cohorts.append((start, program_id, status == "active"))
        await connection.copy_records_to_table(
            "programs", schema_name="feedback", records=program_rows,
            columns=["id", "organization", "name", "session_cadence", "checkin_cadence_days", "cohort_start",
                     "cohort_end", "status", "version", "objective"],
        )  # fmt: skip
        starts = sorted(cohorts)
        participants = set(person for person, _ in org.participants)
        pool = [person for person in org.people if person not in participants]
        rng.shuffle(pool)
        enrollments, matches, sessions, requests, answers, goals, assignments, health = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        mentors_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for start, program_id, _ in starts:
            mentors_of[program_id] = [pool.pop() for _ in range(max(3, int(people * share / programs / 3)))]
            for mentor in mentors_of[program_id]:
                enrollments.append(
                    (
                        uuid.uuid4(),
                        ORGANIZATION,
                        program_id,
                        mentor,
                        "mentor",
                        "active",
                        3,
                        _at(start - 10),
                        None,
                        1,
                    )
                )
        for person, start in org.participants:
            index = max(i for i, (cohort_start, _, _) in enumerate(starts) if cohort_start <= start)
            _, program_id, live_program = starts[index]
            enrollments.append(
                (
                    uuid.uuid4(),
                    ORGANIZATION,
                    program_id,
                    person,
                    "mentee",
                    "active",
                    None,
                    _at(start),
                    None,
                    1,
                )
            )
            assignments.append(
                (uuid.uuid4(), ORGANIZATION, program_id, person, "mentee",
                 "completed" if rng.random() < 0.8 else "assigned", _at(start), _at(start + 20), 2, False)
            )  # fmt: skip
            if rng.random() > 0.85:
                continue  # never matched
            match_id, mentor = uuid.uuid4(), rng.choice(mentors_of[program_id])
            began = start + rng.randint(2, 20)
            ended = None if live_program else min(began + 270, today - 1)
            matches.append(
                (match_id, ORGANIZATION, program_id, person, mentor, "active" if ended is None else "ended",
                 _at(began), _at(ended) if ended else None, "completed" if ended else None, 3)
            )  # fmt: skip
            if ended is None:
                score = rng.uniform(20, 100)
                health.append(
                    (match_id, ORGANIZATION, program_id, score, "[]", "[]", 50.0, score < 50, None, None,
                     None, False, _at(today))
                )  # fmt: skip
            for goal in range(3):
                done = rng.random() < 0.5
                goals.append(
                    (uuid.uuid4(), ORGANIZATION, program_id, match_id, person, "done" if done else "on_track",
                     _at(began + 7), _at(began + 60 + 30 * goal) if done else None, 2)
                )  # fmt: skip
            day = began + rng.randint(1, 7)
            month_index = 0
            while day < (ended or today):
                status = "completed" if rng.random() < 0.85 else "no_show"
                sessions.append(
                    (uuid.uuid4(), ORGANIZATION, program_id, match_id, mentor, person, "video", status,
                     _at(day, 15), _at(day, 16), 2)
                )  # fmt: skip
                if status == "completed" and day // 30 != month_index:
                    month_index = day // 30
                    request_id = uuid.uuid4()
                    requests.append(
                        (request_id, ORGANIZATION, "checkin", f"checkin:{month_index}", program_id, match_id,
                         None, person, "mentee", "[]", _at(day, 17), _at(day + 3), "submitted", _at(day, 18),
                         2)
                    )  # fmt: skip
                    answers.append(
                        (uuid.uuid4(), ORGANIZATION, request_id, "checkin", program_id, match_id, None,
                         person, "mentee", None, None, rng.randint(1, 5), rng.randint(2, 5),
                         rng.randint(3, 10), "{}", 0.7, False, _at(day, 18))
                    )  # fmt: skip
                day += 7 + rng.randint(-1, 1)
        await connection.copy_records_to_table("enrollments", schema_name="feedback", records=enrollments)
        await connection.copy_records_to_table("matches", schema_name="feedback", records=matches)
        await connection.copy_records_to_table("sessions", schema_name="feedback", records=sessions)
        await connection.copy_records_to_table(
            "feedback_requests", schema_name="feedback", records=requests,
            columns=["id", "organization", "kind", "occasion", "program_id", "match_id", "session_id",
                     "respondent_id", "respondent_role", "questions", "opened_at", "due_at", "status",
                     "submitted_at", "version"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "submissions", schema_name="feedback", records=answers,
            columns=["id", "organization", "request_id", "kind", "program_id", "match_id", "session_id",
                     "respondent_id", "respondent_role", "rating", "mentor_rating", "goal_progress",
                     "satisfaction", "nps", "scores", "answer_score", "late", "submitted_at"],
        )  # fmt: skip
        # The goal columns the outcomes read (the health's goal-progress columns keep their defaults).
        await connection.copy_records_to_table(
            "goals",
            schema_name="feedback",
            records=goals,
            columns=["id", "organization", "program_id", "match_id", "mentee_id", "status", "created_at",
                     "completed_at", "version"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "training_assignments", schema_name="feedback", records=assignments,
            columns=["id", "organization", "program_id", "person_id", "role", "status", "assigned_at",
                     "completed_at", "version", "overdue"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "match_health", schema_name="feedback", records=health,
            columns=["match_id", "organization", "program_id", "score", "components", "reasons", "threshold",
                     "at_risk", "below_since", "episode_id", "at_risk_since", "final", "evaluated_at"],
        )  # fmt: skip
        await connection.execute("ANALYZE")
        counts.update(
            people=people,
            programs=programs,
            enrollments=len(enrollments),
            matches=len(matches),
            sessions=len(sessions),
            answers=len(answers),
            goals=len(goals),
            training_assignments=len(assignments),
        )
        counts["events"] = sum(counts[name] for name in ("person_versions", "enrollments", "goals"))
        counts["events"] += len(matches) * 3 + len(sessions) * 2 + len(answers) + len(assignments) * 2
        return {"counts": counts, "program_id": starts[-1][1]}
    finally:
        await connection.close()


async def recompute(platform: BenchPlatform, rounds: int) -> list[float]:
    """Seconds of each full recompute of the organization's report (the worker job's use case)."""
    settings = FeedbackSettings(database_url=platform.database_url, nats_url=platform.nats_url)
    engine = create_engine(platform.database_url, pool_size=2)
    try:
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            await recompute_report(session_factory(engine), organization=ORGANIZATION, settings=settings)
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        await engine.dispose()


async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str], count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return latencies


async def measure(base: str, program_id: uuid.UUID, requests: int) -> dict[str, Any]:
    token = mint_dev_token(subject=str(uuid.uuid4()), organization=ORGANIZATION, roles=["admin"])
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await timed(client, "/v1/outcomes/dashboard", admin, 10)  # warm up
        dashboard = await timed(client, "/v1/outcomes/dashboard", admin, requests)
        program = await timed(client, f"/v1/outcomes/programs/{program_id}", admin, max(requests // 4, 10))
        table = await timed(client, "/v1/outcomes/tables/outcomes.csv", admin, max(requests // 4, 10))
        document = (await client.get("/v1/outcomes/dashboard", headers=admin)).json()
        size = len((await client.get("/v1/outcomes/dashboard", headers=admin)).content)
    retention = next(f for f in document["outcomes"] if f["measure"] == "retention_365d")
    return {
        "dashboard_p50_ms": round(percentile(dashboard, 50), 2),
        "dashboard_p95_ms": round(percentile(dashboard, 95), 2),
        "dashboard_p99_ms": round(percentile(dashboard, 99), 2),
        "dashboard_kb": round(size / 1024, 1),
        "program_p95_ms": round(percentile(program, 95), 2),
        "table_csv_p95_ms": round(percentile(table, 95), 2),
        "retention_365d_difference": retention["difference"],
        "programs_needing_attention": sum(1 for p in document["programs"] if p["needs_attention"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50_000, help="people in the organization (50000)")
    parser.add_argument("--programs", type=int, default=50, help="programs over the last two years (50)")
    parser.add_argument("--share", type=float, default=0.2, help="share of people who were mentees (0.2)")
    parser.add_argument(
        "--recomputes", type=int, default=3, help="full recomputes timed (3; the last counts)"
    )
    parser.add_argument("--requests", type=int, default=200, help="dashboard GETs (200)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    with bench_platform() as platform:
        started = time.perf_counter()
        loaded = asyncio.run(
            load(
                platform.database_url,
                people=args.people,
                programs=args.programs,
                share=args.share,
                seed=args.seed,
            )
        )
        load_seconds = time.perf_counter() - started
        recomputes = asyncio.run(recompute(platform, args.recomputes))
        timings = [round(seconds, 2) for seconds in recomputes]
        print(f"loaded in {load_seconds:.1f} s; recomputes: {timings} s", file=sys.stderr)
        with api_process(platform, "feedback", pool_size=5) as base_url:
            figures = asyncio.run(measure(base_url, loaded["program_id"], args.requests))
    counts = loaded["counts"]
    result = {
        "bench": "outcomes",
        **{name: counts[name] for name in ("people", "programs", "person_versions", "enrollments", "matches",
                                           "sessions", "answers", "goals", "training_assignments")},
        "recompute_seconds": round(recomputes[-1], 2),
        "recompute_first_seconds": round(recomputes[0], 2),
        **figures,
        "load_seconds": round(load_seconds, 1),
    }  # fmt: skip
    print_table(
        f"Outcomes: {counts['people']:,} people, {counts['programs']} programs, "
        f"{counts['person_versions']:,} profile versions, {counts['sessions']:,} sessions, "
        f"{counts['answers']:,} answers",
        [
            ("full recompute from the stored history s (last / first)",
             f"{result['recompute_seconds']} / {result['recompute_first_seconds']}"),
            ("GET /v1/outcomes/dashboard p50 / p95 / p99 ms",
             f"{result['dashboard_p50_ms']} / {result['dashboard_p95_ms']} / {result['dashboard_p99_ms']}"),
            ("  dashboard size KB", result["dashboard_kb"]),
            ("GET /v1/outcomes/programs/{id} p95 ms", result["program_p95_ms"]),
            ("GET /v1/outcomes/tables/outcomes.csv p95 ms", result["table_csv_p95_ms"]),
            ("retention at 365 days, participants - comparison", result["retention_365d_difference"]),
            ("programs needing attention", result["programs_needing_attention"]),
            ("load (generate + COPY) s", result["load_seconds"]),
        ],
    )  # fmt: skip
    print_figures(json.loads(json.dumps(result, default=str)))


if __name__ == "__main__":
    main()
