"""Program analytics latency: one program of 5,000 matches with 100,000 feedback entries.

The feedback API runs as its own process (one uvicorn worker, as deployed); this process is the
client (httpx, keep-alive) and measures over real HTTP, auth and JSON included:

1. load the program's history straight into the feedback schema with COPY (people, enrollments,
   matches, ~20 weeks of sessions, feedback requests and `--feedback` submissions, health,
   risk episodes), and build the weekly rollup from it with one aggregation, as the
   write path would have kept it; then check that the rollup equals a full aggregation;
2. GET /v1/programs/{id}/analytics, one request at a time (an admin opening the dashboard),
   then with `--concurrency` in flight; also the CSV export and the SVG chart;
3. POST answers to open feedback requests (each keeps the rollup and the match's health current
   in its transaction), `--concurrency` in flight;
4. for comparison, the same weekly figures aggregated from the raw submissions and sessions.
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

from feedback.forms import SESSION_FORM, questions_for
from shared.auth import mint_dev_token
from shared.contracts.feedback import ParticipantRole

ORGANIZATION = "org-bench-analytics"
# What a mentee is asked after a session, as an open request stores it.
MENTEE_SESSION_FORM = json.dumps(
    [q.model_dump(mode="json") for q in questions_for(SESSION_FORM, ParticipantRole.MENTEE)]
)
NOW = datetime.now(UTC)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def load(database_url: str, *, matches: int, feedback: int, weeks: int, seed: int) -> dict[str, Any]:
    """Write the program's history with COPY; returns what the measurements need."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        program_id = uuid.uuid4()
        cohort_start = (_ago(weeks * 7)).date()
        mentors = [uuid.uuid4() for _ in range(max(matches // 3, 1))]
        mentees = [uuid.uuid4() for _ in range(int(matches * 1.2))]
        await connection.execute(
            "INSERT INTO feedback.programs VALUES ($1, $2, $3, 'weekly', 14, $4, $5, 'active', 1)",
            program_id, ORGANIZATION, "Applied ML mentoring", cohort_start,
            cohort_start + timedelta(days=weeks * 7 + 60),
        )  # fmt: skip
        mentor_ids = set(mentors)
        people = [
            (p, ORGANIZATION, f"Person {p.hex[:6]}", 4 if p in mentor_ids else 0, True, 1)
            for p in mentors + mentees
        ]
        await connection.copy_records_to_table(
            "people", schema_name="feedback", records=people,
            columns=["id", "organization", "name", "mentor_capacity", "active", "version"],
        )  # fmt: skip
        enrolled_at = _ago(weeks * 7 + 10)
        enrollments = [
            (uuid.uuid4(), ORGANIZATION, program_id, person, role, "active", None, enrolled_at, None, 1)
            for person, role in [(m, "mentor") for m in mentors] + [(m, "mentee") for m in mentees]
        ]
        await connection.copy_records_to_table("enrollments", schema_name="feedback", records=enrollments)

        match_rows, session_rows, request_rows, submission_rows, health_rows, episode_rows, snapshot_rows = (
            [], [], [], [], [], [], []
        )  # fmt: skip
        live: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
        completed: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, datetime]] = []
        for index in range(matches):
            match_id, mentee, mentor = uuid.uuid4(), mentees[index], mentors[index % len(mentors)]
            started = _ago(weeks * 7 - rng.uniform(0, 56))
            ended = _ago(rng.uniform(1, 60)) if rng.random() < 0.1 else None
            match_rows.append(
                (match_id, ORGANIZATION, program_id, mentee, mentor, "ended" if ended else "active",
                 started, ended,
                 "completed" if ended else None, 3 if ended else 2)
            )  # fmt: skip
            if ended is None:
                live.append((match_id, mentor, mentee))
            start = started + timedelta(days=rng.uniform(1, 6))
            while start < (ended or NOW) - timedelta(hours=2):
                roll = rng.random()
                status = "completed" if roll < 0.85 else "no_show" if roll < 0.93 else "canceled"
                session_id = uuid.uuid4()
                session_rows.append(
                    (session_id, ORGANIZATION, program_id, match_id, mentor, mentee, "video", status, start,
                     start + timedelta(hours=1), 2)
                )  # fmt: skip
                if status == "completed":
                    completed.append((match_id, session_id, mentor, mentee, start + timedelta(hours=1)))
                start += timedelta(days=7 + rng.uniform(-1, 1))
            at_risk = ended is None and rng.random() < 0.06
            score = rng.uniform(20, 49) if at_risk else rng.uniform(55, 100)
            risk_since = _ago(rng.uniform(1, 30)) if at_risk else None
            episode_id = uuid.uuid4() if at_risk else None
            health_rows.append(
                (match_id, ORGANIZATION, program_id, score, "[]", "[]", 50.0, at_risk, None, episode_id,
                 risk_since,
                 ended is not None, NOW)
            )  # fmt: skip
            if at_risk:
                episode_rows.append(
                    (
                        episode_id,
                        ORGANIZATION,
                        program_id,
                        match_id,
                        risk_since,
                        score,
                        "[]",
                        None,
                        None,
                        None,
                    )
                )
            week = started.date() - timedelta(days=started.date().weekday())
            while week <= NOW.date():
                snapshot_rows.append(
                    (match_id, week, program_id, max(0.0, min(100.0, score + rng.uniform(-15, 15))))
                )
                week += timedelta(weeks=1)

        # Feedback: answers to session requests (both participants) and to check-ins, `feedback` in all.
        respondents = [(row, role) for row in completed for role in ("mentor", "mentee")]
        rng.shuffle(respondents)
        answered = respondents[:feedback]
        unanswered = respondents[feedback:]
        for (match_id, session_id, mentor, mentee, ended_at), role in answered:
            request_id, submitted_at = uuid.uuid4(), min(ended_at + timedelta(hours=rng.uniform(1, 90)), NOW)
            respondent = mentee if role == "mentee" else mentor
            checkin = rng.random() < 0.2
            request_rows.append(
                (request_id, ORGANIZATION, "checkin" if checkin else "session",
                 f"checkin:{session_id.hex}" if checkin else str(session_id), program_id, match_id,
                 None if checkin else session_id, respondent, role, "[]", ended_at,
                 ended_at + timedelta(hours=72),
                 "submitted", submitted_at, 2)
            )  # fmt: skip
            rating = max(1, min(5, round(rng.gauss(4, 0.9))))
            submission_rows.append(
                (uuid.uuid4(), ORGANIZATION, request_id, "checkin" if checkin else "session", program_id,
                 match_id,
                 None if checkin else session_id, respondent, role,
                 None if checkin else rating,
                 rating if role == "mentee" and not checkin else None,
                 rng.randint(1, 5),
                 rating if checkin else None,
                 rng.randint(0, 10) if checkin else None,
                 "{}", rating / 5, submitted_at > ended_at + timedelta(hours=72), submitted_at)
            )  # fmt: skip
        for (match_id, session_id, mentor, mentee, ended_at), role in unanswered:
            respondent = mentee if role == "mentee" else mentor
            request_rows.append(
                (uuid.uuid4(), ORGANIZATION, "session", str(session_id), program_id, match_id, session_id,
                 respondent,
                 role, "[]", ended_at, ended_at + timedelta(hours=72), "open", None, 1)
            )  # fmt: skip

        await connection.copy_records_to_table("matches", schema_name="feedback", records=match_rows)
        await connection.copy_records_to_table("sessions", schema_name="feedback", records=session_rows)
        await connection.copy_records_to_table(
            "feedback_requests", schema_name="feedback", records=request_rows,
            columns=["id", "organization", "kind", "occasion", "program_id", "match_id", "session_id",
                     "respondent_id",
                     "respondent_role", "questions", "opened_at", "due_at", "status", "submitted_at",
                     "version"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "submissions", schema_name="feedback", records=submission_rows,
            columns=["id", "organization", "request_id", "kind", "program_id", "match_id", "session_id",
                     "respondent_id", "respondent_role", "rating", "mentor_rating", "goal_progress",
                     "satisfaction",
                     "nps", "scores", "answer_score", "late", "submitted_at"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "match_health", schema_name="feedback", records=health_rows,
            columns=["match_id", "organization", "program_id", "score", "components", "reasons", "threshold",
                     "at_risk", "below_since", "episode_id", "at_risk_since", "final", "evaluated_at"],
        )  # fmt: skip
        await connection.copy_records_to_table("risk_episodes", schema_name="feedback", records=episode_rows)
        await connection.copy_records_to_table(
            "health_snapshots", schema_name="feedback", records=snapshot_rows
        )
        await connection.execute(ROLLUP_FROM_RAW, program_id, ORGANIZATION)
        await connection.execute("ANALYZE")
        # Open requests of live matches for the write phase: one fresh session request per mentee.
        writable = []
        for match_id, _mentor, mentee in live[:2000]:
            request_id = uuid.uuid4()
            writable.append(
                (request_id, ORGANIZATION, "session", f"bench:{request_id.hex}", program_id, match_id,
                 None, mentee, "mentee", MENTEE_SESSION_FORM,
                 _ago(1), _ago(-2), "open", None, 1)
            )  # fmt: skip
        await connection.copy_records_to_table(
            "feedback_requests", schema_name="feedback", records=writable,
            columns=["id", "organization", "kind", "occasion", "program_id", "match_id", "session_id",
                     "respondent_id",
                     "respondent_role", "questions", "opened_at", "due_at", "status", "submitted_at",
                     "version"],
        )  # fmt: skip
        return {
            "program_id": program_id,
            "matches": len(match_rows),
            "sessions": len(session_rows),
            "submissions": len(submission_rows),
            "requests": len(request_rows),
            "writable": [(row[0], row[7]) for row in writable],
        }
    finally:
        await connection.close()


# What the write path keeps in `program_weeks`, computed at once from the raw rows.
ROLLUP_FROM_RAW = """
WITH weekly_sessions AS (
    SELECT (date_trunc('week', start AT TIME ZONE 'UTC'))::date AS week_start,
           count(*) FILTER (WHERE status = 'completed') AS held,
           count(*) FILTER (WHERE status = 'no_show') AS no_show,
           count(*) FILTER (WHERE status = 'canceled') AS canceled
    FROM feedback.sessions WHERE program_id = $1 GROUP BY 1
), weekly_answers AS (
    SELECT (date_trunc('week', submitted_at AT TIME ZONE 'UTC'))::date AS week_start,
           count(*) AS submissions,
           coalesce(sum(rating), 0) AS rating_sum, count(rating) AS rating_count,
           coalesce(sum(mentor_rating), 0) AS mentor_rating_sum, count(mentor_rating) AS mentor_rating_count,
           coalesce(sum(goal_progress), 0) AS goal_progress_sum, count(goal_progress) AS goal_progress_count,
           coalesce(sum(satisfaction), 0) AS satisfaction_sum, count(satisfaction) AS satisfaction_count,
           count(*) FILTER (WHERE nps >= 9) AS promoters,
           count(*) FILTER (WHERE nps BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (WHERE nps <= 6) AS detractors
    FROM feedback.submissions WHERE program_id = $1 GROUP BY 1
), weekly_health AS (
    SELECT week_start, sum(score) AS health_sum, count(*) AS health_count
    FROM feedback.health_snapshots WHERE program_id = $1 GROUP BY 1
), all_weeks AS (
    SELECT week_start FROM weekly_sessions UNION SELECT week_start FROM weekly_answers
    UNION SELECT week_start FROM weekly_health
)
INSERT INTO feedback.program_weeks
SELECT $1, w.week_start, $2,
       coalesce(s.held, 0), coalesce(s.no_show, 0), coalesce(s.canceled, 0), coalesce(a.submissions, 0),
       coalesce(a.rating_sum, 0), coalesce(a.rating_count, 0),
       coalesce(a.mentor_rating_sum, 0), coalesce(a.mentor_rating_count, 0),
       coalesce(a.goal_progress_sum, 0), coalesce(a.goal_progress_count, 0),
       coalesce(a.satisfaction_sum, 0), coalesce(a.satisfaction_count, 0),
       coalesce(a.promoters, 0), coalesce(a.passives, 0), coalesce(a.detractors, 0),
       coalesce(h.health_sum, 0), coalesce(h.health_count, 0)
FROM all_weeks w
LEFT JOIN weekly_sessions s USING (week_start)
LEFT JOIN weekly_answers a USING (week_start)
LEFT JOIN weekly_health h USING (week_start)
"""

# The same weekly submission figures straight from the raw rows (the comparison phase).
RAW_WEEKLY = """
SELECT (date_trunc('week', submitted_at AT TIME ZONE 'UTC'))::date AS week_start, count(*), avg(rating),
       avg(mentor_rating), avg(goal_progress), avg(satisfaction),
       count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6), count(nps)
FROM feedback.submissions WHERE program_id = $1 GROUP BY 1 ORDER BY 1
"""
RAW_SESSIONS = """
SELECT (date_trunc('week', start AT TIME ZONE 'UTC'))::date, count(*) FILTER (WHERE status = 'completed')
FROM feedback.sessions WHERE program_id = $1 GROUP BY 1
"""


async def timed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], count: int, concurrency: int
) -> list[float]:
    """Latencies (ms) of `count` GETs with `concurrency` in flight; every response must be a 200."""
    latencies: list[float] = []
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def measure(
    base: str,
    platform: BenchPlatform,
    loaded: dict[str, Any],
    *,
    requests: int,
    concurrency: int,
    writes: int,
) -> dict[str, Any]:
    admin_token = mint_dev_token(subject=str(uuid.uuid4()), organization=ORGANIZATION, roles=["admin"])
    admin = {"Authorization": f"Bearer {admin_token}"}
    program = f"/v1/programs/{loaded['program_id']}"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await timed(client, f"{program}/analytics", admin, 20, 1)  # warm up
        sequential = await timed(client, f"{program}/analytics", admin, requests, 1)
        concurrent_started = time.perf_counter()
        concurrent = await timed(client, f"{program}/analytics", admin, requests, concurrency)
        concurrent_seconds = time.perf_counter() - concurrent_started
        csv_export = await timed(client, f"{program}/analytics.csv", admin, max(requests // 4, 10), 1)
        chart = await timed(client, f"{program}/analytics/health.svg", admin, max(requests // 4, 10), 1)
        document = (await client.get(f"{program}/analytics", headers=admin)).json()

        write_latencies: list[float] = []
        errors = 0
        targets = iter(loaded["writable"][:writes])

        async def writer() -> None:
            nonlocal errors
            for request_id, mentee in targets:
                token = mint_dev_token(subject=str(mentee), organization=ORGANIZATION, roles=["mentee"])
                body = {
                    "answers": {
                        "rating": random.randint(1, 5),
                        "mentor_rating": 4,
                        "notes": {"text": "ok", "private": True},
                    }
                }
                started = time.perf_counter()
                response = await client.post(
                    f"/v1/feedback-requests/{request_id}/submission",
                    headers={"Authorization": f"Bearer {token}"},
                    json=body,
                )
                write_latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 201

        write_started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(concurrency)))
        write_seconds = time.perf_counter() - write_started

    connection = await asyncpg.connect(
        platform.database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        raw: list[float] = []
        for _ in range(max(requests // 4, 10)):
            started = time.perf_counter()
            await connection.fetch(RAW_WEEKLY, loaded["program_id"])
            await connection.fetch(RAW_SESSIONS, loaded["program_id"])
            raw.append((time.perf_counter() - started) * 1000)
        # The rollup (kept by the write path for the answers just posted) equals a full aggregation.
        raw_answers = await connection.fetchval(
            "SELECT count(*) FROM feedback.submissions WHERE program_id = $1", loaded["program_id"]
        )
        rolled = await connection.fetchval(
            "SELECT sum(submissions) FROM feedback.program_weeks WHERE program_id = $1", loaded["program_id"]
        )
        raw_held = await connection.fetchval(
            "SELECT count(*) FROM feedback.sessions WHERE program_id = $1 AND status = 'completed'",
            loaded["program_id"],
        )
        rolled_held = await connection.fetchval(
            "SELECT sum(sessions_held) FROM feedback.program_weeks WHERE program_id = $1",
            loaded["program_id"],
        )
    finally:
        await connection.close()
    summary = document["summary"]
    return {
        "bench": "program_analytics",
        "measured": "http",
        "matches": loaded["matches"],
        "feedback_entries": loaded["submissions"],
        "sessions": loaded["sessions"],
        "weeks": len(document["weeks"]),
        "p50_ms": round(percentile(sequential, 50), 2),
        "p95_ms": round(percentile(sequential, 95), 2),
        "p99_ms": round(percentile(sequential, 99), 2),
        "concurrent_p95_ms": round(percentile(concurrent, 95), 2),
        "concurrent_per_s": round(len(concurrent) / concurrent_seconds, 1),
        "csv_p95_ms": round(percentile(csv_export, 95), 2),
        "svg_p95_ms": round(percentile(chart, 95), 2),
        "submit_per_s": round(len(write_latencies) / write_seconds, 1) if write_latencies else 0.0,
        "submit_p50_ms": round(percentile(write_latencies, 50), 2),
        "submit_p95_ms": round(percentile(write_latencies, 95), 2),
        "raw_aggregation_p50_ms": round(percentile(raw, 50), 2),
        "raw_aggregation_p95_ms": round(percentile(raw, 95), 2),
        "rollup_matches_raw": int(raw_answers) == int(rolled) and int(raw_held) == int(rolled_held),
        "errors": errors,
        "active_matches": summary["active_matches"],
        "at_risk": summary["at_risk"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--matches", type=int, default=5000, help="matches in the program (5000)")
    parser.add_argument(
        "--feedback", type=int, default=100_000, help="feedback entries (submissions) (100000)"
    )
    parser.add_argument("--weeks", type=int, default=20, help="weeks of history in the cohort so far (20)")
    parser.add_argument("--requests", type=int, default=200, help="analytics GETs per phase (200)")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="requests in flight in the concurrent phases (4)"
    )
    parser.add_argument("--writes", type=int, default=400, help="answers POSTed in the write phase (400)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with bench_platform() as platform:
        started = time.perf_counter()
        loaded = asyncio.run(
            load(
                platform.database_url,
                matches=args.matches,
                feedback=args.feedback,
                weeks=args.weeks,
                seed=args.seed,
            )
        )
        load_seconds = time.perf_counter() - started
        if loaded["submissions"] < args.feedback:
            print(
                f"note: only {loaded['submissions']} completed-session answers fit {args.weeks} weeks",
                file=sys.stderr,
            )
        with api_process(platform, "feedback", pool_size=10) as base_url:
            figures = asyncio.run(
                measure(
                    base_url, platform, loaded,
                    requests=args.requests, concurrency=args.concurrency, writes=args.writes,
                )
            )  # fmt: skip
    figures["load_seconds"] = round(load_seconds, 1)
    print_table(
        f"Program analytics over HTTP: {figures['matches']:,} matches, "
        f"{figures['feedback_entries']:,} feedback entries, {figures['sessions']:,} sessions, "
        f"{figures['weeks']} weeks",
        [
            ("GET analytics, one at a time: p50 / p95 / p99 ms",
             f"{figures['p50_ms']} / {figures['p95_ms']} / {figures['p99_ms']}"),
            (f"GET analytics, {args.concurrency} in flight: p95 ms / req/s",
             f"{figures['concurrent_p95_ms']} / {figures['concurrent_per_s']}"),
            ("GET analytics.csv p95 ms", figures["csv_p95_ms"]),
            ("GET analytics/health.svg p95 ms", figures["svg_p95_ms"]),
            (f"POST answer ({args.concurrency} in flight): req/s", figures["submit_per_s"]),
            ("  p50 / p95 ms", f"{figures['submit_p50_ms']} / {figures['submit_p95_ms']}"),
            ("raw aggregation instead of rollup: p50 / p95 ms",
             f"{figures['raw_aggregation_p50_ms']} / {figures['raw_aggregation_p95_ms']}"),
            ("rollup equals full aggregation", figures["rollup_matches_raw"]),
            ("load (COPY + rollup build) s", figures["load_seconds"]),
            ("errors", figures["errors"]),
        ],
    )  # fmt: skip
    print_figures(figures)


if __name__ == "__main__":
    main()
