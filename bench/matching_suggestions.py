"""Benchmark: suggestions for one mentee over 10,000 mentors, through the HTTP API.

The matching API runs as its own process (uvicorn, as in production) on a read model seeded in
bulk; requests go over loopback one at a time, each for another mentee. The first request builds
the program's mentor pool (cached until the read model changes) and is reported apart (`cold_ms`);
`p50_ms`/`p95_ms`/`p99_ms` are the warm latencies seen by the client.

Starts embedded PostgreSQL and NATS unless DATABASE_URL / NATS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import time

from mentorship.benchmarking import api_process, bench_platform, percentile, print_figures, print_table

import httpx

from matching.synthetic import organization, seed_read_model
from shared.auth import mint_dev_token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(
    base_url: str, program_id: str, mentees: list[str], org_id: str, requests: int
) -> dict[str, float]:
    token = mint_dev_token(subject="bench-admin", organization=org_id, roles=["admin"])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (await client.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the matching API did not start")
            await asyncio.sleep(0.2)
        url = f"/v1/programs/{program_id}/suggestions"
        started = time.perf_counter()
        cold = await client.get(url, params={"mentee_id": mentees[0]})
        cold_ms = (time.perf_counter() - started) * 1000
        cold.raise_for_status()
        latencies = []
        found = 0
        began = time.perf_counter()
        for index in range(requests):
            started = time.perf_counter()
            response = await client.get(url, params={"mentee_id": mentees[(index + 1) % len(mentees)]})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            found += len(response.json()["items"])
        elapsed = time.perf_counter() - began
        server_ms = _server_mean_ms(
            (await client.get("/metrics")).text, "/v1/programs/{program_id}/suggestions"
        )
    return {
        "server_mean_ms": server_ms,
        "cold_ms": cold_ms,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "per_s": requests / elapsed,
        "suggestions_per_request": found / requests,
    }


def _server_mean_ms(metrics: str, route: str) -> float:
    """Mean latency the service itself measured for `route` (its Prometheus histogram)."""
    total = count = 0.0
    for line in metrics.splitlines():
        if f'route="{route}"' in line and 'method="GET"' in line:
            name, value = line.rsplit(" ", 1)
            if name.startswith("http_request_duration_seconds_sum"):
                total = float(value)
            elif name.startswith("http_request_duration_seconds_count"):
                count = float(value)
    return 1000 * total / count if count else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentors", type=int, default=10_000, help="mentors in the program (default 10,000)")
    parser.add_argument("--mentees", type=int, default=200, help="mentees asked for in turn (default 200)")
    parser.add_argument("--requests", type=int, default=500, help="timed requests (default 500)")
    args = parser.parse_args()

    org = organization(args.mentees, args.mentors, capacity=5, seed=5)
    with bench_platform() as platform:
        org_id, program_id = asyncio.run(seed_read_model(platform.database_url, org, capacity=5))
        with api_process(platform, "matching", pool_size=10) as base_url:
            figures = asyncio.run(
                measure(
                    base_url,
                    str(program_id),
                    [str(mentee.person_id) for mentee in org.mentees],
                    org_id,
                    args.requests,
                )
            )
    print_table(
        f"Suggestions over {args.mentors:,} mentors (HTTP, one client, sequential)",
        [
            ("cold request, pool build (ms)", figures["cold_ms"]),
            ("p50 (ms)", figures["p50_ms"]),
            ("p95 (ms)", figures["p95_ms"]),
            ("p99 (ms)", figures["p99_ms"]),
            ("server-side mean, incl. cold (ms)", figures["server_mean_ms"]),
            ("requests per second", figures["per_s"]),
            ("suggestions per request", figures["suggestions_per_request"]),
            ("load average (1 min) at the end", os.getloadavg()[0]),
        ],
    )
    print_figures(
        {
            "bench": "matching_suggestions",
            "mentors": args.mentors,
            "requests": args.requests,
            "cold_ms": round(figures["cold_ms"], 1),
            "p50_ms": round(figures["p50_ms"], 2),
            "p95_ms": round(figures["p95_ms"], 2),
            "p99_ms": round(figures["p99_ms"], 2),
            "per_s": round(figures["per_s"], 1),
        }
    )


if __name__ == "__main__":
    main()
