"""Profiles API throughput and latency: GET person by id and POST person, one uvicorn worker.

The API runs as its own process (one uvicorn worker, as deployed); this process is the client
(aiohttp, keep-alive connections). Phases:

1. POST /v1/people with `--concurrency` requests in flight (seeds the people for the GETs);
2. GET /v1/people/{id} closed loop: `--concurrency` requests always in flight, as fast as it goes;
3. GET /v1/people/{id} open loop at `--rate` requests/s (at most `--concurrency` in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
import uuid
from typing import Any

from mentorship.benchmarking import (
    api_process,
    bench_platform,
    cpu_seconds,
    percentile,
    print_figures,
    print_table,
)

import aiohttp

from shared.auth import mint_dev_token

ORG = "org-bench"


def person_body(index: int) -> dict[str, Any]:
    return {
        "email": f"p{index}-{uuid.uuid4().hex[:6]}@bench.example",
        "name": f"Person {index}",
        "title": "ML Engineer",
        "department": random.choice(["Research", "Platform", "Applied AI", "Data"]),
        "time_zone": random.choice(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo"]),
        "languages": ["en"],
        "bio": "Works on large language models and their evaluation. " * 3,
        "skills": [
            {"skill": "python", "level": 5},
            {"skill": "pytorch", "level": 4},
            {"skill": "nlp", "level": 3},
        ],
        "learning_interests": [{"skill": "mlops", "target_level": 3}],
        "goals": ["lead a research project"],
        "guidance": ["technical", "career"],
        "availability": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)],
        "mentor_capacity": 3,
    }


def client_tokens(count: int) -> list[dict[str, str]]:
    """One admin token per simulated client: the API's rate limits are per token, as in real use."""
    subjects = [str(uuid.uuid4()) for _ in range(count)]
    tokens = [mint_dev_token(subject=subject, organization=ORG, roles=["admin"]) for subject in subjects]
    return [{"Authorization": f"Bearer {token}"} for token in tokens]


async def closed_loop(
    session: aiohttp.ClientSession, requests: list[tuple[str, str, dict[str, Any] | None]], concurrency: int
) -> tuple[list[float], float, int]:
    """Run `requests` with `concurrency` clients always in flight: (latencies ms, seconds, errors)."""
    queue = iter(requests)
    latencies: list[float] = []
    errors = 0
    tokens = client_tokens(concurrency)

    async def worker(client: int) -> None:
        nonlocal errors
        for method, url, body in queue:
            started = time.perf_counter()
            async with session.request(method, url, json=body, headers=tokens[client]) as response:
                await response.read()
                if response.status >= 400:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in range(concurrency)))
    return latencies, time.perf_counter() - started, errors


async def open_loop(
    session: aiohttp.ClientSession, urls: list[str], rate: int, seconds: float, concurrency: int
) -> tuple[list[float], float, int]:
    """Send at `rate`/s (latency measured from the scheduled send time), at most `concurrency` in flight."""
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors = 0
    tokens = client_tokens(concurrency)

    async def one(url: str, scheduled: float) -> None:
        nonlocal errors
        async with limit, session.get(url, headers=tokens[hash(url) % len(tokens)]) as response:
            await response.read()
            if response.status >= 400:
                errors += 1
        latencies.append((time.perf_counter() - scheduled) * 1000)

    total = int(rate * seconds)
    started = time.perf_counter()
    tasks = []
    for tick in range(total):
        scheduled = started + tick / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(urls[tick % len(urls)], scheduled)))
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - started, errors


async def measure(
    base: str, *, people: int, gets: int, rate: int, seconds: float, concurrency: int
) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    (admin,) = client_tokens(1)
    # The API process's CPU time per request: what a busy machine cannot distort much.
    pid = getattr(base, "pid", 0)
    async with aiohttp.ClientSession(base_url=base, connector=connector, headers=admin) as session:
        posts = [("POST", "/v1/people", person_body(i)) for i in range(people)]
        post_cpu = cpu_seconds(pid) or 0.0
        post_latencies, post_seconds, post_errors = await closed_loop(session, posts, concurrency)
        post_cpu = (cpu_seconds(pid) or 0.0) - post_cpu
        async with session.get("/v1/people", params={"limit": "200"}) as response:
            listing = await response.json()
        ids = [item["id"] for item in listing["items"]]
        cursor = listing.get("next_cursor")
        while cursor and len(ids) < people:
            async with session.get("/v1/people", params={"limit": "200", "cursor": cursor}) as response:
                listing = await response.json()
            ids += [item["id"] for item in listing["items"]]
            cursor = listing.get("next_cursor")
        urls = [f"/v1/people/{random.choice(ids)}" for _ in range(gets)]
        # The load generator's own garbage collection would show up as server latency.
        gc.collect()
        gc.freeze()
        gc.disable()
        await closed_loop(session, [("GET", u, None) for u in urls[:2000]], concurrency)  # warm up
        get_cpu = cpu_seconds(pid) or 0.0
        get_latencies, get_seconds, get_errors = await closed_loop(
            session, [("GET", u, None) for u in urls], concurrency
        )
        get_cpu = (cpu_seconds(pid) or 0.0) - get_cpu
        rate_latencies, rate_seconds, rate_errors = await open_loop(session, urls, rate, seconds, concurrency)
        gc.enable()
    return {
        "bench": "profiles_api",
        "get_per_s": round(len(get_latencies) / get_seconds, 1),
        "get_p50_ms": round(percentile(get_latencies, 50), 2),
        "get_p99_ms": round(percentile(get_latencies, 99), 2),
        "get_cpu_ms": round(get_cpu / max(1, len(get_latencies)) * 1000, 3),
        "get_achieved_per_s": round(len(rate_latencies) / rate_seconds, 1),
        "get_at_rate_p50_ms": round(percentile(rate_latencies, 50), 2),
        "get_at_rate_p99_ms": round(percentile(rate_latencies, 99), 2),
        "post_per_s": round(len(post_latencies) / post_seconds, 1),
        "post_p50_ms": round(percentile(post_latencies, 50), 2),
        "post_p99_ms": round(percentile(post_latencies, 99), 2),
        "post_cpu_ms": round(post_cpu / max(1, len(post_latencies)) * 1000, 3),
        "errors": post_errors + get_errors + rate_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000, help="people POSTed, then fetched (2000)")
    parser.add_argument("--gets", type=int, default=30000, help="GETs in the closed-loop phase (30000)")
    parser.add_argument(
        "--rate", type=int, default=1500, help="GETs per second in the open-loop phase (1500)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the open-loop phase (10)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    args = parser.parse_args()
    with bench_platform() as platform, api_process(platform, "profiles") as base_url:
        figures = asyncio.run(
            measure(
                base_url,
                people=args.people,
                gets=args.gets,
                rate=args.rate,
                seconds=args.seconds,
                concurrency=args.concurrency,
            )
        )
    print_table(
        f"Profiles API, one uvicorn worker, {args.concurrency} clients in flight, {args.people:,} people",
        [
            ("GET person closed loop, req/s", figures["get_per_s"]),
            ("  p50 / p99 ms", f"{figures['get_p50_ms']} / {figures['get_p99_ms']}"),
            ("  API process CPU per request, ms", figures["get_cpu_ms"]),
            (f"GET person at {args.rate}/s, achieved req/s", figures["get_achieved_per_s"]),
            ("  p50 / p99 ms", f"{figures['get_at_rate_p50_ms']} / {figures['get_at_rate_p99_ms']}"),
            ("POST person, req/s", figures["post_per_s"]),
            ("  p50 / p99 ms", f"{figures['post_p50_ms']} / {figures['post_p99_ms']}"),
            ("  API process CPU per request, ms", figures["post_cpu_ms"]),
            ("errors", figures["errors"]),
        ],
    )
    print_figures(figures)


if __name__ == "__main__":
    main()
