"""Benchmark: `GET /v1/me`, a person's whole home screen in one round trip, with 10,000 people.

The portal and the services it reads (profiles, matching, scheduling, feedback) run as their own
processes (uvicorn, as deployed), with the workers that carry events between them. The organization
is built through the APIs, as the demo seed does: 10,000 people across time zones (realistic profiles
from mentorship/demo_population.py), one program everyone is enrolled in, a published matching round
(every mentee with a proposed match), and a sample of pairs that accepted, booked a video call and
held an async check-in (so they have sessions and open feedback requests). Then the sample's people
ask for their home view one request at a time (`p50_ms`..`p99_ms`, the client's view over loopback,
straight to the portal), and again with 4 requests in flight (`concurrent_p99_ms`).

Starts embedded PostgreSQL and NATS unless DATABASE_URL / NATS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mentorship.benchmarking import (
    BenchPlatform,
    api_process,
    bench_platform,
    percentile,
    print_figures,
    print_table,
)

import httpx

from mentorship.demo_population import demo_people, programs
from mentorship.platform_client import ApiError, Document, PlatformClient
from mentorship.processes import terminate
from mentorship.services import names
from shared.auth import mint_dev_token

UPSTREAMS = ("profiles", "matching", "scheduling", "feedback")
CONCURRENCY = 16
# Five APIs and four workers start at once: on a busy machine that takes a while.
START_SECONDS = 180.0


@contextlib.contextmanager
def workers(platform: BenchPlatform, services: tuple[str, ...]) -> Iterator[None]:
    """Each service's worker (relay, consumers, jobs) as its own process."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", f"{service}.worker"],
            env={**platform.env(), "DATABASE_POOL_SIZE": "4", "LOG_JSON": "false"},
            start_new_session=True,
        )
        for service in services
    ]
    try:
        yield
    finally:
        for process in started:
            terminate(process, timeout=10)


async def eventually(probe: Any, *, what: str, timeout: float = 600) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.5)


async def each(items: list[Any], work: Any) -> list[Any]:
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(item: Any) -> Any:
        async with limit:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


IMPORTED = ("external_id", "email", "name", "title", "department", "seniority", "time_zone", "languages")


async def seed(urls: dict[str, str], people: int, enrolled: int, sample: int) -> list[tuple[str, str]]:
    """The organization; returns (person id, role) of the sample's mentees and mentors.

    Those outside the program come in one HR import (profiles' bulk import job), as an organization's
    people do; the program's members are created one by one with their weekly availability."""
    async with PlatformClient.connect(urls, organization="bench-me") as client:
        started = time.perf_counter()
        await client.update_scheduling_policy(meeting_url_template="https://meet.example/{session_id}")
        everyone = demo_people(11, people)
        population, others = everyone[:enrolled], everyone[enrolled:]
        rows = [{key: person.body[key] for key in IMPORTED if key in person.body} for person in others]
        job = await client.import_people(
            content=json.dumps(rows).encode(), media_type="application/json", dry_run=False
        )
        ids: dict[str, str] = {}

        async def create(person: Any) -> None:
            created = await client.create_person(person.body, key=f"bench-{person.external_id}")
            ids[person.external_id] = str(created["id"])

        await each(population, create)
        while job["status"] not in ("succeeded", "failed"):
            await asyncio.sleep(1)
            job = await client.get_import(f"/v1/imports/{job['id']}")
        if job["status"] != "succeeded" or job["failed"]:
            raise RuntimeError(f"the import of {len(rows)} people failed: {str(job)[:500]}")
        print(f"  {people:,} people in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        body = programs(date.today())["AI onboarding"]
        program = await client.create_program(body, key="bench-program")
        ordered = sorted(population, key=lambda person: person.role != "mentor")

        async def enroll(person: Any) -> None:
            await client.enroll(
                program["id"], ids[person.external_id], person.role, key=f"bench-enroll-{person.external_id}"
            )

        await each(ordered, enroll)
        print(f"  enrolled after {time.perf_counter() - started:.0f} s", file=sys.stderr)
        last_mentee = ids[ordered[-1].external_id]

        async def matching_knows() -> bool:
            try:
                return bool(await client.suggestions(program["id"], last_mentee))
            except ApiError:
                return False

        await eventually(matching_knows, what="matching to know every mentee")
        round_ = await client.create_round(program["id"])
        await client.publish_round(round_["id"])
        proposed = await client.list_matches(program_id=program["id"], status="proposed")
        print(
            f"  {len(proposed):,} matches proposed after {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        chosen = sorted(proposed, key=lambda match: match["id"])[:sample]

        async def accept(match: Document) -> None:
            await client.accept_match(match["id"], actor=client.person(match["mentee_id"], "mentee"))
            await client.accept_match(match["id"], actor=client.person(match["mentor_id"], "mentor"))

        await each(chosen, accept)
        wanted = {match["id"] for match in chosen}

        async def scheduling_knows() -> bool:
            return wanted <= {m["id"] for m in await client.list_mentorships(status="active")}

        await eventually(scheduling_knows, what="scheduling to open the sample's mentorships")
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        by_mentor: dict[str, list[Document]] = {}
        for match in chosen:
            by_mentor.setdefault(match["mentor_id"], []).append(match)

        async def meet(matches: list[Document]) -> None:
            for match in matches:
                mentor = client.person(match["mentor_id"], "mentor")
                mentee = client.person(match["mentee_id"], "mentee")
                due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
                check_in = await client.book_session(
                    match["id"], {"format": "async", "due": due, "prompt": "How is it going?"}, actor=mentor
                )
                await client.complete_session(check_in, actor=mentor)
                slots = await client.slots(match["id"], actor=mentee, start=tomorrow, limit=1)
                if slots:
                    with contextlib.suppress(ApiError):  # another pair of this mentor took it
                        await client.book_session(
                            match["id"], {"format": "video", "start": slots[0]["start"]}, actor=mentee
                        )

        await each(list(by_mentor.values()), meet)
        print(f"  sample met after {time.perf_counter() - started:.0f} s", file=sys.stderr)
        return [(m["mentee_id"], "mentee") for m in chosen] + [(m["mentor_id"], "mentor") for m in chosen]


async def measure(portal: str, people: list[tuple[str, str]], requests: int) -> dict[str, float]:
    tokens = {
        person: {
            "Authorization": "Bearer " + mint_dev_token(subject=person, organization="bench-me", roles=[role])
        }
        for person, role in people
    }
    order = [people[index % len(people)][0] for index in range(requests)]
    async with httpx.AsyncClient(base_url=portal, timeout=30) as client:
        for person in order[:50]:  # warm up connections and caches
            (await client.get("/v1/me", headers=tokens[person])).raise_for_status()
        latencies: list[float] = []
        parts_ok = 0
        began = time.perf_counter()
        for person in order:
            started = time.perf_counter()
            response = await client.get("/v1/me", headers=tokens[person])
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            view = response.json()
            parts_ok += sum(
                1 for value in view.values() if isinstance(value, dict) and value.get("status") == "ok"
            )
        elapsed = time.perf_counter() - began
        concurrent: list[float] = []
        limit = asyncio.Semaphore(4)

        async def one(person: str) -> None:
            async with limit:
                started = time.perf_counter()
                (await client.get("/v1/me", headers=tokens[person])).raise_for_status()
                concurrent.append((time.perf_counter() - started) * 1000)

        began_concurrent = time.perf_counter()
        await asyncio.gather(*(one(person) for person in order))
        concurrent_elapsed = time.perf_counter() - began_concurrent
        sample_view = (await client.get("/v1/me", headers=tokens[order[0]])).json()
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "per_s": requests / elapsed,
        "concurrent_p99_ms": percentile(concurrent, 99),
        "concurrent_per_s": requests / concurrent_elapsed,
        "parts_ok": parts_ok / requests,
        "matches": len(sample_view["matches"].get("items", [])),
        "sessions": len(sample_view["next_sessions"].get("items", [])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people", type=int, default=10_000, help="people in the organization (default 10,000)"
    )
    parser.add_argument(
        "--enrolled",
        type=int,
        default=1_000,
        help="of them, in the program (default 1,000; the rest imported)",
    )
    parser.add_argument(
        "--sample", type=int, default=100, help="pairs that meet and are measured (default 100)"
    )
    parser.add_argument("--requests", type=int, default=500, help="timed requests (default 500)")
    args = parser.parse_args()

    with bench_platform() as platform, contextlib.ExitStack() as stack:
        urls = {
            name: stack.enter_context(api_process(platform, name, pool_size=10, start_seconds=START_SECONDS))
            for name in UPSTREAMS
        }
        stack.enter_context(workers(platform, UPSTREAMS))
        os.environ["SERVICE_URLS"] = json.dumps(urls)
        portal = stack.enter_context(
            api_process(platform, "portal", pool_size=2, start_seconds=START_SECONDS)
        )
        everything = {name: urls.get(name, portal) for name in names()}
        people = asyncio.run(seed(everything, args.people, args.enrolled, args.sample))
        figures = asyncio.run(measure(portal, people, args.requests))
    print_table(
        f"GET /v1/me with {args.people:,} people (portal over 4 services, HTTP, one client, sequential)",
        [
            ("p50 (ms)", figures["p50_ms"]),
            ("p95 (ms)", figures["p95_ms"]),
            ("p99 (ms)", figures["p99_ms"]),
            ("requests per second", figures["per_s"]),
            ("p99 with 4 in flight (ms)", figures["concurrent_p99_ms"]),
            ("requests per second, 4 in flight", figures["concurrent_per_s"]),
            ("parts answered per view", figures["parts_ok"]),
            ("first person: matches, next sessions", f"{figures['matches']}, {figures['sessions']}"),
            ("load average (1 min) at the end", os.getloadavg()[0]),
        ],
    )
    print_figures(
        {
            "bench": "me",
            "people": args.people,
            "requests": args.requests,
            "me_p50_ms": round(figures["p50_ms"], 2),
            "me_p95_ms": round(figures["p95_ms"], 2),
            "me_p99_ms": round(figures["p99_ms"], 2),
            "me_per_s": round(figures["per_s"], 1),
            "me_concurrent_p99_ms": round(figures["concurrent_p99_ms"], 2),
        }
    )


if __name__ == "__main__":
    main()
