"""Workspace: a pair's dashboard, a program's goal attainment, and a message reaching an open stream.

The workspace API runs as its own process (one uvicorn worker, as deployed); this process is the
client (httpx, keep-alive) and measures over real HTTP, auth and JSON included:

1. load `--pairs` active pairs straight into the workspace schema with COPY (people, programs,
   matches, workspaces, `--goals` goals per pair with two milestones each, action items, sessions
   with agendas, agreements, messages), then bring every pair's summary row up to date with the
   same counts the write path keeps;
2. GET /v1/matches/{id}/dashboard for random pairs, as their mentee, one at a time
   (`dashboard_p99_ms`);
3. GET /v1/programs/{id}/goal-attainment for the program of `--program-pairs` pairs, as an admin,
   one at a time (`attainment_p95_ms`);
4. hold `--streams` live message streams open on the one API process (both members of
   `--streams`/2 pairs; two helper processes hold most of them, this process those of 50 pairs),
   then post `--messages` messages one at a time, each from a mentee of those 50 pairs, and time
   from sending the POST to the mentor's open stream receiving it (`message_p99_ms`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mentorship.benchmarking import api_process, bench_platform, percentile, print_figures, print_table

import aiohttp
import asyncpg
import httpx
import orjson

from shared.auth import mint_dev_token

ORGANIZATION = "org-bench-workspace"
NOW = datetime.now(UTC)
TODAY = NOW.date()
STATUSES = (
    ("done", 0.35),
    ("on_track", 0.30),
    ("at_risk", 0.10),
    ("not_started", 0.15),
    ("dropped", 0.10),
)
SKILLS = ["python", "pytorch", "nlp", "computer-vision", "mlops", "reinforcement-learning", "ai-ethics"]
KINDS = ["technical", "career", "professional_development", "ethics"]


def _status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return STATUSES[-1][0]


async def load(database_url: str, *, pairs: int, goals: int, program_pairs: int, seed: int) -> dict[str, Any]:
    """Write the pairs and their plans with COPY; returns what the measurements need."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        main_program = uuid.uuid4()
        others = [uuid.uuid4(), uuid.uuid4()]
        programs = [main_program, *others]
        await connection.copy_records_to_table(
            "programs",
            schema_name="workspace",
            records=[
                (p, ORGANIZATION, f"Program {i}", "technical_skills", "active", 1)
                for i, p in enumerate(programs)
            ],
            columns=["id", "organization", "name", "objective", "status", "version"],
        )
        people, matches, workspaces, goal_rows, milestone_rows = [], [], [], [], []
        items, sessions, agenda, agreements, messages, reads = [], [], [], [], [], []
        pair_list: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
        skills_json = json.dumps(SKILLS[:4])
        interests_json = json.dumps(SKILLS[4:])
        for index in range(pairs):
            program = main_program if index < program_pairs else others[index % 2]
            match_id, mentor, mentee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            pair_list.append((match_id, mentor, mentee))
            people.append(
                (mentor, ORGANIZATION, f"Mentor {index}", "Europe/Paris", skills_json, "[]", True, 1)
            )
            people.append(
                (
                    mentee,
                    ORGANIZATION,
                    f"Mentee {index}",
                    "America/New_York",
                    skills_json,
                    interests_json,
                    True,
                    1,
                )
            )
            started = NOW - timedelta(days=rng.uniform(30, 200))
            matches.append((match_id, ORGANIZATION, program, mentor, mentee, "active", None, started, 3))
            workspaces.append((match_id, ORGANIZATION, program, mentor, mentee, "open", started, started))
            for number in range(goals):
                goal_id = uuid.uuid4()
                status = _status(rng)
                target = TODAY + timedelta(days=rng.randint(-120, 180))
                created = started + timedelta(days=rng.uniform(0, 20))
                completed = on_time = None
                if status == "done":
                    on_time = rng.random() < 0.8
                    done_day = (
                        target - timedelta(days=rng.randint(0, 20)) if on_time else target + timedelta(days=3)
                    )
                    completed = min(datetime.combine(done_day, datetime.min.time(), tzinfo=UTC), NOW)
                skills = json.dumps(rng.sample(SKILLS, 2))
                goal_rows.append(
                    (
                        goal_id,
                        ORGANIZATION,
                        match_id,
                        program,
                        mentee,
                        mentor,
                        f"Goal {number} of pair {index}",
                        "Measured by a demo",
                        target,
                        skills,
                        rng.choice(KINDS),
                        status,
                        100 if status == "done" else rng.randint(0, 90),
                        True,
                        None,
                        None,
                        None,
                        mentee,
                        created,
                        created,
                        completed,
                        on_time,
                        2,
                    )
                )
                for position in range(2):
                    due = target - timedelta(days=30 * (2 - position))
                    reached = status == "done" or (position == 0 and rng.random() < 0.5)
                    milestone_rows.append(
                        (
                            uuid.uuid4(),
                            ORGANIZATION,
                            goal_id,
                            match_id,
                            program,
                            f"Milestone {position}",
                            due,
                            created if reached else None,
                            True if reached else None,
                            position,
                            created,
                            created,
                            1,
                        )
                    )
            for number in range(5):
                due_day = TODAY + timedelta(days=(-3 if number == 0 else rng.randint(1, 30)))
                due_at = datetime.combine(due_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
                done = number == 4
                items.append(
                    (
                        uuid.uuid4(),
                        ORGANIZATION,
                        match_id,
                        program,
                        mentee if number % 2 else mentor,
                        f"Action {number}",
                        due_day,
                        due_at,
                        done,
                        NOW if done else None,
                        mentor,
                        started,
                        started,
                        NOW if number == 0 else None,
                        1,
                    )
                )
            for number in range(4):
                start = NOW + timedelta(days=7 * (number - 1) + 1)
                session_id = uuid.uuid4()
                status = "completed" if start < NOW else "scheduled"
                sessions.append(
                    (
                        session_id,
                        ORGANIZATION,
                        match_id,
                        program,
                        "video",
                        status,
                        start,
                        start + timedelta(hours=1),
                        1,
                    )
                )
                if number == 1:
                    for point in range(3):
                        agenda.append(
                            (
                                uuid.uuid4(),
                                ORGANIZATION,
                                session_id,
                                match_id,
                                mentee,
                                f"Point {point}",
                                None,
                                None,
                                NOW + timedelta(seconds=point),
                            )
                        )
            if index % 2 == 0:
                agreements.append(
                    (
                        match_id,
                        ORGANIZATION,
                        program,
                        json.dumps({"expectations": "Weekly"}),
                        1,
                        mentor,
                        started,
                        1,
                        started,
                        1,
                        started,
                    )
                )
            for number in range(1, 11):
                sender, recipient = (mentor, mentee) if number % 2 else (mentee, mentor)
                messages.append(
                    (
                        uuid.uuid4(),
                        ORGANIZATION,
                        match_id,
                        number,
                        number,
                        sender,
                        recipient,
                        f"Message {number}",
                        started + timedelta(hours=number),
                        None,
                        None,
                        1,
                    )
                )
            reads.append((match_id, mentee, ORGANIZATION, 6, NOW))
            reads.append((match_id, mentor, ORGANIZATION, 9, NOW))

        async def copy(table: str, records: list[Any], columns: list[str] | None = None) -> None:
            for first in range(0, len(records), 50_000):
                await connection.copy_records_to_table(
                    table, schema_name="workspace", records=records[first : first + 50_000], columns=columns
                )

        await copy(
            "people",
            people,
            ["id", "organization", "name", "time_zone", "skills", "learning_interests", "active", "version"],
        )
        await copy(
            "matches",
            matches,
            [
                "id",
                "organization",
                "program_id",
                "mentor_id",
                "mentee_id",
                "status",
                "end_reason",
                "updated_at",
                "version",
            ],
        )
        await copy(
            "workspaces",
            workspaces,
            [
                "match_id",
                "organization",
                "program_id",
                "mentor_id",
                "mentee_id",
                "status",
                "opened_at",
                "created_at",
            ],
        )
        await copy(
            "goals",
            goal_rows,
            [
                "id",
                "organization",
                "match_id",
                "program_id",
                "mentee_id",
                "mentor_id",
                "title",
                "measure",
                "target_date",
                "skills",
                "guidance_kind",
                "status",
                "percent",
                "adopted",
                "proposal",
                "proposed_by",
                "template",
                "created_by",
                "created_at",
                "updated_at",
                "completed_at",
                "completed_on_time",
                "version",
            ],
        )
        await copy(
            "milestones",
            milestone_rows,
            [
                "id",
                "organization",
                "goal_id",
                "match_id",
                "program_id",
                "title",
                "due_date",
                "reached_at",
                "reached_on_time",
                "position",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await copy(
            "action_items",
            items,
            [
                "id",
                "organization",
                "match_id",
                "program_id",
                "owner_id",
                "title",
                "due_date",
                "due_at",
                "done",
                "done_at",
                "created_by",
                "created_at",
                "updated_at",
                "overdue_published_at",
                "version",
            ],
        )
        await copy(
            "sessions",
            sessions,
            [
                "id",
                "organization",
                "match_id",
                "program_id",
                "format",
                "status",
                "starts_at",
                "ends_at",
                "version",
            ],
        )
        await copy(
            "agenda_items",
            agenda,
            [
                "id",
                "organization",
                "session_id",
                "match_id",
                "author_id",
                "body",
                "goal_id",
                "action_item_id",
                "created_at",
            ],
        )
        await copy(
            "agreements",
            agreements,
            [
                "match_id",
                "organization",
                "program_id",
                "sections",
                "version",
                "updated_by",
                "updated_at",
                "mentor_signed_version",
                "mentor_signed_at",
                "mentee_signed_version",
                "mentee_signed_at",
            ],
        )
        await copy(
            "messages",
            messages,
            [
                "id",
                "organization",
                "match_id",
                "number",
                "change_seq",
                "sender_id",
                "recipient_id",
                "body",
                "created_at",
                "edited_at",
                "deleted_at",
                "version",
            ],
        )
        await copy(
            "message_reads",
            reads,
            ["match_id", "person_id", "organization", "last_read_number", "updated_at"],
        )
        await connection.execute(SUMMARIES)
        await connection.execute(TALLIES_FROM_GOALS)
        await connection.execute("ANALYZE")
        return {
            "program_id": main_program,
            "pairs": pair_list,
            "goals": len(goal_rows),
            "program_goals": sum(1 for row in goal_rows if row[3] == main_program),
            "milestones": len(milestone_rows),
        }
    finally:
        await connection.close()


# Every pair's summary row, as the write path keeps it (service/workspaces.py), set-based.
SUMMARIES = """
UPDATE workspace.workspaces AS w SET
    goals_total = g.total, goals_open = g.open, goals_done = g.done, goals_done_on_time = g.done_on_time,
    goals_at_risk = g.at_risk, goals_proposed = g.proposed, next_goal_target = g.next_target,
    action_items_open = a.open, next_action_due_at = a.next_due,
    milestones_total = ms.total, milestones_reached = ms.reached, milestones_reached_on_time = ms.on_time,
    agreement_status = CASE WHEN ag.match_id IS NULL THEN 'none' ELSE 'signed' END,
    agreement_signed_version = ag.version,
    messages_count = m.count, message_changes = m.count, last_message_at = m.last_at
FROM (
    SELECT match_id,
           count(*) FILTER (WHERE adopted) AS total,
           count(*) FILTER (WHERE adopted AND status NOT IN ('done', 'dropped')) AS open,
           count(*) FILTER (WHERE adopted AND status = 'done') AS done,
           count(*) FILTER (WHERE adopted AND status = 'done' AND completed_on_time) AS done_on_time,
           count(*) FILTER (WHERE adopted AND status = 'at_risk') AS at_risk,
           count(*) FILTER (WHERE proposal = 'pending') AS proposed,
           min(target_date) FILTER (WHERE adopted AND status NOT IN ('done', 'dropped')) AS next_target
    FROM workspace.goals GROUP BY match_id
) AS g
JOIN (
    SELECT match_id, count(*) FILTER (WHERE NOT done) AS open, min(due_at) FILTER (WHERE NOT done) AS next_due
    FROM workspace.action_items GROUP BY match_id
) AS a USING (match_id)
JOIN (
    SELECT match_id, count(*) AS count, max(created_at) AS last_at FROM workspace.messages GROUP BY match_id
) AS m USING (match_id)
JOIN (
    SELECT m.match_id, count(*) AS total, count(m.reached_at) AS reached,
           count(*) FILTER (WHERE m.reached_on_time) AS on_time
    FROM workspace.milestones AS m JOIN workspace.goals AS g2 ON g2.id = m.goal_id
    WHERE g2.adopted GROUP BY m.match_id
) AS ms USING (match_id)
LEFT JOIN workspace.agreements AS ag USING (match_id)
WHERE w.match_id = g.match_id
"""

# The goal tallies the write path keeps (service/goal_tallies.py), built at once from the goals.
TALLIES_FROM_GOALS = """
INSERT INTO workspace.goal_tallies
    (program_id, skill, guidance_kind, status, outcome, target_date, organization, goals)
SELECT program_id, skill, guidance_kind, status, outcome, target, organization, count(*)
FROM (
    SELECT g.program_id, s.skill,
           CASE WHEN s.skill = '' THEN g.guidance_kind ELSE '' END AS guidance_kind, g.status,
           CASE WHEN g.status <> 'done' THEN '' WHEN g.completed_on_time IS NULL THEN 'undated'
                WHEN g.completed_on_time THEN 'on_time' ELSE 'late' END AS outcome,
           coalesce(g.target_date, DATE '9999-12-31') AS target, g.organization
    FROM workspace.goals AS g
    CROSS JOIN LATERAL (
        SELECT '' AS skill UNION SELECT jsonb_array_elements_text(g.skills)
    ) AS s
    WHERE g.adopted
) AS t
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""


def _bearer(subject: uuid.UUID | str, role: str) -> dict[str, str]:
    token = mint_dev_token(subject=str(subject), organization=ORGANIZATION, roles=[role], ttl_seconds=7200)
    return {"Authorization": f"Bearer {token}"}


async def measure_reads(base: str, loaded: dict[str, Any], *, requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    sample = [rng.choice(loaded["pairs"]) for _ in range(requests)]
    tokens = {mentee: _bearer(mentee, "mentee") for _, _, mentee in sample}
    admin = _bearer(uuid.uuid4(), "admin")
    dashboard: list[float] = []
    attainment: list[float] = []
    sizes: list[int] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for match_id, _, mentee in sample[:50]:  # warm up
            await client.get(f"/v1/matches/{match_id}/dashboard", headers=tokens[mentee])
        for match_id, _, mentee in sample:
            started = time.perf_counter()
            response = await client.get(f"/v1/matches/{match_id}/dashboard", headers=tokens[mentee])
            dashboard.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"dashboard: {response.status_code} {response.text[:200]}")
            sizes.append(len(response.json()["open_goals"]))
        path = f"/v1/programs/{loaded['program_id']}/goal-attainment"
        for _ in range(10):
            await client.get(path, headers=admin)
        report: dict[str, Any] = {}
        for _ in range(max(requests // 10, 50)):
            started = time.perf_counter()
            response = await client.get(path, headers=admin)
            attainment.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"attainment: {response.status_code} {response.text[:200]}")
            report = response.json()
    return {
        "dashboard_p50_ms": round(percentile(dashboard, 50), 2),
        "dashboard_p95_ms": round(percentile(dashboard, 95), 2),
        "dashboard_p99_ms": round(percentile(dashboard, 99), 2),
        "open_goals_per_dashboard": round(sum(sizes) / len(sizes), 1),
        "attainment_p50_ms": round(percentile(attainment, 50), 2),
        "attainment_p95_ms": round(percentile(attainment, 95), 2),
        "report_pairs": report.get("pairs"),
        "report_goals": report.get("goals"),
        "report_attainment": report.get("attainment"),
    }


STREAM_PATH = "/v1/matches/{}/messages/stream"
# Pairs whose streams this process holds and times; the other streams are held by helper processes.
TIMED_PAIRS = 50
HOLDERS = 2


def _hold_streams(base: str, targets: list[tuple[str, str, str]], opened: Any, stop: Any) -> None:
    """A helper process: hold `targets` (match, person, role) streams open, reading and discarding
    what arrives, until `stop` is set (the streams are the load of the measurement)."""

    async def hold() -> None:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
        )

        async def one(match_id: str, person: str, role: str) -> None:
            headers = _bearer(person, role)
            counted = False
            while not stop.is_set():
                # As a browser's EventSource does: reconnect after a refusal or a dropped stream.
                try:
                    async with session.get(base + STREAM_PATH.format(match_id), headers=headers) as response:
                        if response.status == 200:
                            if not counted:
                                counted = True
                                with opened.get_lock():
                                    opened.value += 1
                            async for _ in response.content:
                                pass
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(1.0)

        tasks = []
        # Opened as browsers come and go, not all in the same instant.
        for first in range(0, len(targets), 25):
            tasks += [asyncio.create_task(one(*target)) for target in targets[first : first + 25]]
            await asyncio.sleep(0.5)
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()

    asyncio.run(hold())


async def measure_streams(
    base: str, loaded: dict[str, Any], *, streams: int, messages: int, seed: int
) -> dict[str, Any]:
    """Hold `streams` streams open (both members of streams/2 pairs): helper processes hold most
    of them; this process holds those of TIMED_PAIRS pairs, posts to them from the mentee and times
    from sending the POST to the mentor's stream receiving the message."""
    rng = random.Random(seed)
    pairs = loaded["pairs"][: max(streams // 2, 1)]
    timed, held = pairs[:TIMED_PAIRS], pairs[TIMED_PAIRS:]
    context = multiprocessing.get_context("spawn")
    opened, stop = context.Value("i", 0), context.Event()
    targets = [
        (str(m), str(p), role)
        for m, mentor, mentee in held
        for p, role in ((mentor, "mentor"), (mentee, "mentee"))
    ]
    helpers = [
        context.Process(target=_hold_streams, args=(base, targets[n::HOLDERS], opened, stop), daemon=True)
        for n in range(HOLDERS)
    ]
    for helper in helpers:
        helper.start()
    arrivals: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}
    mine = 0
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
    )

    async def listen(match_id: uuid.UUID, person: uuid.UUID, role: str) -> None:
        nonlocal mine
        headers = _bearer(person, role)
        counted = False
        while True:
            try:
                async with session.get(base + STREAM_PATH.format(match_id), headers=headers) as response:
                    if response.status == 200:
                        if not counted:
                            counted = True
                            mine += 1
                        async for raw in response.content:
                            if role == "mentor" and raw.startswith(b"data:"):
                                body = orjson.loads(raw[5:])["body"] or ""
                                if body in waiting:
                                    arrivals[body] = time.perf_counter()
                                    waiting[body].set()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1.0)

    listeners = [
        asyncio.create_task(listen(match_id, person, role))
        for match_id, mentor, mentee in timed
        for person, role in ((mentor, "mentor"), (mentee, "mentee"))
    ]
    try:
        deadline = time.monotonic() + 600
        while (opened.value + mine < len(pairs) * 2) and time.monotonic() < deadline:
            if not all(helper.is_alive() for helper in helpers):
                raise RuntimeError("a helper holding streams died")
            await asyncio.sleep(0.5)
        if opened.value + mine < len(pairs) * 2:
            raise RuntimeError(f"only {opened.value + mine} of {len(pairs) * 2} streams opened")
        await asyncio.sleep(2.0)
        latencies: list[float] = []
        senders = {mentee: _bearer(mentee, "mentee") for _, _, mentee in timed}
        async with httpx.AsyncClient(base_url=base, timeout=60) as poster:
            for number in range(messages):
                match_id, _, mentee = rng.choice(timed)
                body = f"bench {number} {uuid.uuid4().hex[:6]}"
                waiting[body] = asyncio.Event()
                started = time.perf_counter()
                response = await poster.post(
                    f"/v1/matches/{match_id}/messages", headers=senders[mentee], json={"body": body}
                )
                if response.status_code != 201:
                    raise RuntimeError(f"post: {response.status_code} {response.text[:200]}")
                await asyncio.wait_for(waiting[body].wait(), timeout=30)
                latencies.append((arrivals[body] - started) * 1000)
                await asyncio.sleep(rng.uniform(0.02, 0.05))
        held_open = opened.value + mine
    finally:
        stop.set()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await session.close()
        for helper in helpers:
            helper.join(timeout=30)
            if helper.is_alive():
                helper.terminate()
    return {
        "streams": held_open,
        "message_p50_ms": round(percentile(latencies, 50), 2),
        "message_p95_ms": round(percentile(latencies, 95), 2),
        "message_p99_ms": round(percentile(latencies, 99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=10_000, help="active pairs in the database (10000)")
    parser.add_argument("--goals", type=int, default=20, help="goals per pair (20: 200,000 goals)")
    parser.add_argument(
        "--program-pairs", type=int, default=5000, help="pairs of the reported program (5000)"
    )
    parser.add_argument("--requests", type=int, default=2000, help="dashboard GETs (2000)")
    parser.add_argument("--streams", type=int, default=2000, help="live message streams held open (2000)")
    parser.add_argument("--messages", type=int, default=500, help="messages posted and timed (500)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.program_pairs > args.pairs or args.streams > 2 * args.pairs:
        parser.error("--program-pairs must not exceed --pairs, nor --streams twice --pairs")
    with bench_platform() as platform:
        started = time.perf_counter()
        loaded = asyncio.run(
            load(
                platform.database_url,
                pairs=args.pairs,
                goals=args.goals,
                program_pairs=args.program_pairs,
                seed=args.seed,
            )
        )
        load_seconds = time.perf_counter() - started
        with api_process(platform, "workspace", pool_size=10) as base_url:
            reads = asyncio.run(measure_reads(base_url, loaded, requests=args.requests, seed=args.seed))
            # A plain str: the stream-holding helpers are spawned, and ApiUrl does not pickle.
            live = asyncio.run(
                measure_streams(
                    str(base_url), loaded, streams=args.streams, messages=args.messages, seed=args.seed
                )
            )
    figures: dict[str, Any] = {
        "bench": "workspace",
        "measured": "http",
        "pairs": args.pairs,
        "goals": loaded["goals"],
        "milestones": loaded["milestones"],
        "program_pairs": args.program_pairs,
        "program_goals": loaded["program_goals"],
        **reads,
        **live,
        "load_seconds": round(load_seconds, 1),
    }
    dashboard = (
        f"{figures['dashboard_p50_ms']} / {figures['dashboard_p95_ms']} / {figures['dashboard_p99_ms']}"
    )
    message = f"{figures['message_p50_ms']} / {figures['message_p95_ms']} / {figures['message_p99_ms']}"
    print_table(
        f"Workspace over HTTP: {args.pairs:,} pairs, {loaded['goals']:,} goals, "
        f"{loaded['milestones']:,} milestones",
        [
            ("GET dashboard p50 / p95 / p99 ms", dashboard),
            ("  open goals per dashboard", figures["open_goals_per_dashboard"]),
            (
                f"GET goal attainment ({args.program_pairs:,} pairs, {loaded['program_goals']:,} goals) "
                "p50 / p95 ms",
                f"{figures['attainment_p50_ms']} / {figures['attainment_p95_ms']}",
            ),
            (f"message to an open stream ({figures['streams']:,} streams open) p50 / p95 / p99 ms", message),
            ("load (COPY + summaries) s", figures["load_seconds"]),
        ],
    )
    print_figures(figures)


if __name__ == "__main__":
    main()
