"""Training: assigning a course to a bulk of enrollments through the event pipeline, a person's
progress page, and a program's completion report.

The training worker (`python -m training.worker`) and API (one uvicorn worker) run as their own
processes, as deployed; this process plays profiles (it publishes CloudEvents on profiles' stream
exactly as profiles' outbox relay does) and the clients (aiohttp, keep-alive, real HTTP, auth and
JSON included). Phases:

1. set up: a program (its event), the starter library loaded, a mentor course (mentor basics, 4
   modules) and a mentee course (mentee basics, 3 modules); `--people` people published and
   consumed (not timed);
2. `assign_seconds`: `--people` enrollments (one in five a mentor) published at once on profiles'
   stream; the clock stops when every one has its assignment committed AND every
   `training.assignment.assigned` event is relayed to NATS (the training outbox is empty);
3. progress as people would make it (a random share of each course done, scores, reflections,
   some due times passed), written straight into the schema with the counters and the per-module
   standing (done flags, best scores) recounted once, as the service keeps them; then, untimed, the
   worker finishes what that write started (its audit trail shipped, its outbox relayed);
4. `progress_p99_ms`: GET /v1/me/training of random people, `--concurrency` in flight;
5. `report_p95_ms`: GET /v1/programs/{id}/training-report over all of them, one at a time.

Wall-clock figures on a shared machine move with its load, so the CPU they cost is given too (the
worker's during the bulk, the API's per request) with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    api_process,
    bench_platform,
    cpu_seconds,
    percentile,
    print_figures,
    print_table,
)

import aiohttp
import asyncpg
import orjson

from mentorship.services import spec
from shared.auth import mint_dev_token
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    PersonCreated,
    PersonState,
    ProgramCreated,
    ProgramState,
)
from shared.events import CloudEvent, Event
from shared.streams import connect, ensure_deadletter_stream, ensure_service_stream

ORGANIZATION = "org-bench-training"


def _envelope(event: Event) -> tuple[str, bytes, dict[str, str]]:
    envelope = CloudEvent.wrap(event, organization=ORGANIZATION, subject=None)
    kind = event.event_type
    subject = f"{kind.service}.{kind.entity}.{kind.action}"
    return subject, orjson.dumps(envelope.model_dump(mode="json")), {"Nats-Msg-Id": str(envelope.id)}


async def publish_all(js: Any, namespace: str, events: list[Event]) -> None:
    """Publish like a relay does: pipelined, every publish acknowledged by the stream."""
    for first in range(0, len(events), 1000):
        futures = []
        for event in events[first : first + 1000]:
            subject, payload, headers = _envelope(event)
            futures.append(await js.publish_async(f"{namespace}.{subject}", payload, headers=headers))
        await asyncio.gather(*futures)


async def wait_until(connection: asyncpg.Connection, query: str, expected: int, timeout: float) -> float:
    """Poll `query` (a count) until it reaches `expected`; the time.monotonic() when it did."""
    deadline = time.monotonic() + timeout
    while True:
        found = await connection.fetchval(query)
        if found >= expected:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{query!r} reached {found} of {expected} in {timeout} s")
        await asyncio.sleep(0.02)


def program_state(program_id: uuid.UUID, now: datetime) -> ProgramState:
    return ProgramState.model_validate(
        {
            "id": program_id, "organization": ORGANIZATION, "version": 1, "name": "Bench cohort",
            "objective": "technical_skills", "cohort_start": now.date(), "cohort_end": now.date(),
            "matching_mode": "admin_approved", "score_weights": {}, "session_length_minutes": 60,
            "session_cadence": "weekly", "checkin_cadence_days": 30, "exclude_same_department": False,
            "status": "active", "created_at": now, "updated_at": now,
        }
    )  # fmt: skip


def person_state(person_id: uuid.UUID, index: int, now: datetime) -> PersonState:
    return PersonState.model_validate(
        {
            "id": person_id, "organization": ORGANIZATION, "version": 1,
            "email": f"p{index}@bench.example", "name": f"Person {index}", "time_zone": "Europe/Berlin",
            "languages": ["en"], "mentor_capacity": 2, "active": True, "created_at": now, "updated_at": now,
        }
    )  # fmt: skip


def enrollment_state(
    program_id: uuid.UUID, person_id: uuid.UUID, role: str, now: datetime
) -> EnrollmentState:
    return EnrollmentState.model_validate(
        {
            "id": uuid.uuid4(), "organization": ORGANIZATION, "version": 1, "program_id": program_id,
            "person_id": person_id, "role": role, "status": "active", "created_at": now, "updated_at": now,
        }
    )  # fmt: skip


PROGRESS_SQL = """
INSERT INTO training.module_progress
    (person_id, module_id, organization, attempts, best_score, passed_at, completed_at,
     completed_version, reflected)
SELECT a.person_id, cm.module_id, a.organization, 1 + (random() * 2)::int,
       round((50 + random() * 50)::numeric, 2), now(), now(), 1, random() < 0.3
FROM training.assignments a
JOIN training.course_modules cm ON cm.course_id = a.course_id
WHERE cm.position <= abs(hashtext(a.person_id::text)) % (a.modules_total + 1)
ON CONFLICT DO NOTHING
"""
# The counters and the per-module standing (done flags, best scores in course order) that the
# service keeps with every assignment, as its own recount would set them.
RECOUNT_SQL = """
UPDATE training.assignments a
SET modules_done = done.n,
    module_done = done.flags,
    module_scores = done.scores,
    status = CASE WHEN done.n >= a.modules_total THEN 'completed' ELSE 'assigned' END,
    completed_at = CASE WHEN done.n >= a.modules_total THEN now() END,
    due_at = CASE WHEN done.n < a.modules_total AND random() < 0.3 THEN now() - interval '3 days'
                  ELSE a.due_at END,
    version = a.version + 1
FROM (
    SELECT a2.id, count(mp.completed_at) AS n,
           array_agg(mp.completed_at IS NOT NULL ORDER BY cm.position) AS flags,
           array_agg(mp.best_score ORDER BY cm.position) AS scores
    FROM training.assignments a2
    JOIN training.course_modules cm ON cm.course_id = a2.course_id
    LEFT JOIN training.module_progress mp ON mp.person_id = a2.person_id AND mp.module_id = cm.module_id
    GROUP BY a2.id
) AS done
WHERE done.id = a.id
"""

# 1 once the training worker has nothing left from the set-up: every outbox row relayed and, where
# the service keeps an audit trail, every entry of it shipped.
SETTLED_SQL = """
SELECT (NOT EXISTS (SELECT 1 FROM training.outbox WHERE published_at IS NULL)
        AND (to_regclass('training.audit_log') IS NULL
             OR NOT EXISTS (SELECT 1 FROM training.audit_log WHERE shipped_at IS NULL)))::int
"""


async def timed_gets(
    session: aiohttp.ClientSession, requests: list[tuple[str, dict[str, str]]], concurrency: int
) -> list[float]:
    """Latencies (ms) of GETs, `concurrency` in flight; every one must answer 200."""
    queue = list(reversed(requests))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            url, headers = queue.pop()
            started = time.perf_counter()
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {url}: {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def measure(
    platform: BenchPlatform,
    *,
    worker_pid: int,
    people: int,
    progress_requests: int,
    report_requests: int,
    concurrency: int,
) -> dict[str, Any]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    program_id = uuid.uuid4()
    admin = {
        "Authorization": "Bearer "
        + mint_dev_token(subject=str(uuid.uuid4()), organization=ORGANIZATION, roles=["admin"])
    }
    database = await asyncpg.connect(platform.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    nc = await connect(platform.nats_url, name="bench-training")
    js = nc.jetstream()
    # The streams the training worker consumes (this process publishes on profiles').
    for source in spec("training").sources():
        await ensure_service_stream(js, namespace=platform.namespace, service=source)
    await ensure_deadletter_stream(js, namespace=platform.namespace)
    try:
        with api_process(platform, "training", pool_size=10) as base:
            async with aiohttp.ClientSession(
                base, connector=aiohttp.TCPConnector(limit=concurrency + 2)
            ) as session:
                # 1. Set-up: the program, the library, the two courses, the people.
                await publish_all(
                    js, platform.namespace, [ProgramCreated(program=program_state(program_id, now))]
                )
                await wait_until(database, "SELECT count(*) FROM training.programs", 1, 60)
                async with session.post("/v1/library/load", headers=admin) as response:
                    library = await response.json()
                keys = {c["key"]: [m["module_id"] for m in c["modules"]] for c in library["collections"]}
                for role, collection in (("mentor", "mentor-basics"), ("mentee", "mentee-basics")):
                    body = {
                        "role": role,
                        "title": f"{role} onboarding",
                        "due_days": 21,
                        "module_ids": keys[collection],
                    }
                    async with session.post(
                        f"/v1/programs/{program_id}/courses", json=body, headers=admin
                    ) as response:
                        assert response.status == 201, await response.text()
                person_ids = [uuid.uuid4() for _ in range(people)]
                await publish_all(
                    js,
                    platform.namespace,
                    [PersonCreated(person=person_state(pid, i, now)) for i, pid in enumerate(person_ids)],
                )
                await wait_until(database, "SELECT count(*) FROM training.people", people, 300)
                await wait_until(
                    database,
                    "SELECT count(*) FROM training.jobs WHERE name = 'sync_course' AND state = 'done'",
                    2,
                    60,
                )

                # 2. The bulk: every enrollment published at once; the clock stops once all are
                # assigned and their events relayed.
                enrollments: list[Event] = [
                    EnrollmentCreated(
                        enrollment=enrollment_state(
                            program_id, pid, "mentor" if i % 5 == 0 else "mentee", now
                        )
                    )
                    for i, pid in enumerate(person_ids)
                ]
                load_before = os.getloadavg()[0]
                worker_cpu = cpu_seconds(worker_pid) or 0.0
                started = time.monotonic()
                await publish_all(js, platform.namespace, enrollments)
                published = time.monotonic()
                assigned = await wait_until(
                    database, "SELECT count(*) FROM training.assignments", people, 300
                )
                relayed = await wait_until(
                    database,
                    "SELECT count(*) FROM training.outbox WHERE published_at IS NOT NULL"
                    " AND subject = 'training.assignment.assigned'",
                    people,
                    300,
                )
                assign_seconds = relayed - started
                worker_cpu = (cpu_seconds(worker_pid) or 0.0) - worker_cpu

                # 3. Progress as people would have made it, counters recounted once.
                await database.execute(PROGRESS_SQL)
                await database.execute(RECOUNT_SQL)
                await database.execute("ANALYZE training.assignments")
                await database.execute("ANALYZE training.module_progress")
                # The set-up write above is not what is measured: let the worker finish what it
                # starts (its audit trail shipped, the outbox relayed) before timing reads.
                await wait_until(database, SETTLED_SQL, 1, 300)
                summary = await database.fetchrow(
                    "SELECT count(*) FILTER (WHERE status = 'completed') AS completed,"
                    " count(*) FILTER (WHERE status = 'assigned' AND due_at < now()) AS overdue"
                    " FROM training.assignments"
                )

                # 4. Progress pages of random people (each with their own token).
                sample = rng.sample(person_ids, min(progress_requests, len(person_ids)))
                tokens = {
                    pid: {
                        "Authorization": "Bearer "
                        + mint_dev_token(subject=str(pid), organization=ORGANIZATION, roles=["mentee"])
                    }
                    for pid in sample
                }
                await timed_gets(
                    session, [("/v1/me/training", tokens[pid]) for pid in sample[:200]], concurrency
                )
                api_cpu = cpu_seconds(base.pid) or 0.0
                progress = await timed_gets(
                    session, [("/v1/me/training", tokens[pid]) for pid in sample], concurrency
                )
                progress_cpu = (cpu_seconds(base.pid) or 0.0) - api_cpu

                # 5. The program's report, one admin at a time.
                report_url = f"/v1/programs/{program_id}/training-report"
                await timed_gets(session, [(report_url, admin)] * 10, 1)
                api_cpu = cpu_seconds(base.pid) or 0.0
                report = await timed_gets(session, [(report_url, admin)] * report_requests, 1)
                report_cpu = (cpu_seconds(base.pid) or 0.0) - api_cpu
                async with session.get(report_url, headers=admin) as response:
                    roles = (await response.json())["roles"]
    finally:
        await nc.close()
        await database.close()

    figures = {
        "bench": "training",
        "enrollments": people,
        "assign_seconds": round(assign_seconds, 2),
        "progress_p50_ms": round(percentile(progress, 50), 2),
        "progress_p99_ms": round(percentile(progress, 99), 2),
        "report_p50_ms": round(percentile(report, 50), 2),
        "report_p95_ms": round(percentile(report, 95), 2),
        # What the wall-clock figures cost in CPU (comparable across runs on a busy machine).
        "assign_worker_cpu_seconds": round(worker_cpu, 2),
        "progress_api_cpu_ms_per_request": round(progress_cpu * 1000 / len(progress), 3),
        "report_api_cpu_ms_per_request": round(report_cpu * 1000 / len(report), 3),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print_table(
        f"Training: {people:,} enrollments, one program (mentor course 4 modules, mentee course 3)",
        [
            ("enrollments published to profiles' stream, s", round(published - started, 2)),
            ("all assignments committed, s", round(assigned - started, 2)),
            ("all training.assignment.assigned relayed (assign_seconds)", figures["assign_seconds"]),
            ("training worker CPU during the bulk, s", figures["assign_worker_cpu_seconds"]),
            ("people with the course completed / overdue", f"{summary['completed']} / {summary['overdue']}"),
            (
                f"progress page, {len(progress)} GETs, {concurrency} in flight: p50 ms",
                figures["progress_p50_ms"],
            ),
            ("progress page p99 ms", figures["progress_p99_ms"]),
            ("progress page: API CPU per request, ms", figures["progress_api_cpu_ms_per_request"]),
            (f"program report over {people:,} people, {len(report)} GETs: p50 ms", figures["report_p50_ms"]),
            ("program report p95 ms", figures["report_p95_ms"]),
            ("program report: API CPU per request, ms", figures["report_api_cpu_ms_per_request"]),
            (
                "report completion rate (mentors, mentees)",
                ", ".join(str(r["completion_rate"]) for r in roles),
            ),
            ("load average (1 min) before the bulk / at the end", str(figures["load_average_1m"])),
        ],
    )
    return figures


@contextlib.contextmanager
def worker_process(platform: BenchPlatform) -> Iterator[int]:
    """The training worker as its own process (relay, consumer, jobs), as deployed; its pid."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "training.worker"], env={**platform.env(), "LOG_JSON": "false"}
    )
    try:
        yield worker.pid
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000, help="enrollments in the bulk (10000)")
    parser.add_argument("--progress-requests", type=int, default=2000, help="progress page GETs (2000)")
    parser.add_argument("--report-requests", type=int, default=100, help="program report GETs (100)")
    parser.add_argument("--concurrency", type=int, default=4, help="progress GETs in flight (4)")
    args = parser.parse_args()
    with bench_platform() as platform, worker_process(platform) as worker_pid:
        figures = asyncio.run(
            measure(
                platform,
                worker_pid=worker_pid,
                people=args.people,
                progress_requests=args.progress_requests,
                report_requests=args.report_requests,
                concurrency=args.concurrency,
            )
        )
    print_figures(figures)


if __name__ == "__main__":
    main()
