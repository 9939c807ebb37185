"""SCIM full sync: an HR system PUTs every user it provisioned, most of them unchanged.

What an identity provider's nightly full sync does: one integration token, `PUT
/scim/v2/Users/{id}` for every user, `--concurrency` requests in flight (Entra ID and Okta run a
handful to a few dozen connections; 16 by default), no `If-Match` (as they send it). Against one
profiles API process (one uvicorn worker, as deployed).

1. Seed (not timed): `--users` users created through `POST /scim/v2/Users`, the first
   `--managers` of them managers of the others (enterprise `manager.value`), as the HR system
   provisioned them.
2. The API process is restarted, so that PostgreSQL's table statistics of the seeding are flushed
   (a backend reports them when it exits) and the sync's own writes can be counted apart.
3. Sync (timed): a PUT of every user. The body is what the HR system holds: identical to what it
   provisioned for `1 - --changed` of them, and with a new title or department for the rest.

Figures: `scim_sync_seconds` (first PUT sent to last answer), requests/s, latency percentiles
(all, changed, unchanged), the API process's CPU per request, and what the sync wrote: outbox rows
(each is one event the relay publishes), people whose version moved, and the rows PostgreSQL
counted inserted, updated and deleted in the profiles schema (`pg_stat_user_tables`), which for
a correct sync are those of the changed users alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from typing import Any

from mentorship.benchmarking import (
    ApiUrl,
    BenchPlatform,
    api_process,
    bench_platform,
    cpu_seconds,
    fsync_setting,
    machine,
    percentile,
    print_figures,
    print_table,
)

import aiohttp
import orjson
from sqlalchemy import text

from shared.auth import mint_dev_token
from shared.db import create_engine

ORGANIZATION = "org-scim-bench"
SCIM_JSON = "application/scim+json"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DEPARTMENTS = ("Research", "Platform", "Applied AI", "Data", "Infrastructure")
TITLES = ("ML Engineer", "Data Scientist", "Research Scientist", "MLOps Engineer")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Europe/Paris")
LANGUAGES = ("en-US", "de-DE", "fr-FR", "ja-JP")


def user_body(index: int, draw: random.Random, manager_id: str | None) -> dict[str, Any]:
    """A user as an HR system provisions one (Entra ID's default attribute mappings)."""
    given, family = f"Given{index}", f"Family{index}"
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": f"hr-{index:06d}",
        "userName": f"{given}.{family}@Bench.Example",
        "active": True,
        "displayName": f"{given} {family}",
        "name": {"formatted": f"{given} {family}", "givenName": given, "familyName": family},
        "emails": [{"primary": True, "type": "work", "value": f"{given}.{family}@bench.example".lower()}],
        "title": draw.choice(TITLES),
        "preferredLanguage": draw.choice(LANGUAGES),
        "timezone": draw.choice(ZONES),
        ENTERPRISE: {"department": draw.choice(DEPARTMENTS)},
    }
    if manager_id is not None:
        body[ENTERPRISE]["manager"] = {"value": manager_id}
    return body


def changed_body(body: dict[str, Any], draw: random.Random) -> dict[str, Any]:
    """The same user after an HR change: a new title (a promotion) or a move to another department."""
    changed = orjson.loads(orjson.dumps(body))
    if draw.random() < 0.5:
        changed["title"] = f"Senior {body['title']}"
    else:
        enterprise = changed[ENTERPRISE]
        enterprise["department"] = next(d for d in DEPARTMENTS if d != enterprise["department"])
    return changed


async def run_requests(
    session: aiohttp.ClientSession,
    requests: list[tuple[str, str, bytes]],
    *,
    concurrency: int,
    headers: dict[str, str],
) -> tuple[list[tuple[float, int, bytes]], float]:
    """`requests` with `concurrency` always in flight: ((latency ms, status, body) per request in
    order, seconds)."""
    results: list[tuple[float, int, bytes]] = [(0.0, 0, b"")] * len(requests)
    queue = iter(enumerate(requests))

    async def client() -> None:
        for index, (method, url, body) in queue:
            started = time.perf_counter()
            async with session.request(method, url, data=body, headers=headers) as response:
                content = await response.read()
            results[index] = ((time.perf_counter() - started) * 1000, response.status, content)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return results, time.perf_counter() - started


def connector(concurrency: int) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=concurrency, force_close=False)


async def seed(
    base: ApiUrl, *, users: int, managers: int, concurrency: int, headers: dict[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """Create the users through SCIM, managers first: [(id, the body the HR system sent)]."""
    draw = random.Random(19)
    bodies: list[dict[str, Any]] = [user_body(index, draw, None) for index in range(managers)]
    ids: list[str] = []
    async with aiohttp.ClientSession(base_url=base, connector=connector(concurrency)) as session:
        for first, last in ((0, managers), (managers, users)):
            if first:
                manager_ids = list(ids)
                bodies += [user_body(index, draw, draw.choice(manager_ids)) for index in range(first, last)]
            requests = [("POST", "/scim/v2/Users", orjson.dumps(body)) for body in bodies[first:last]]
            results, _ = await run_requests(session, requests, concurrency=concurrency, headers=headers)
            for _latency, status, content in results:
                if status != 201:
                    raise RuntimeError(f"seeding failed: {status} {content[:500]!r}")
                ids.append(orjson.loads(content)["id"])
    return list(zip(ids, bodies, strict=True))


async def written(database_url: str) -> dict[str, int]:
    """What the profiles schema holds and what PostgreSQL counted written into it so far."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            stats = (
                await connection.execute(
                    text(
                        "SELECT coalesce(sum(n_tup_ins), 0) AS ins, coalesce(sum(n_tup_upd), 0) AS upd,"
                        " coalesce(sum(n_tup_del), 0) AS dele FROM pg_stat_user_tables"
                        " WHERE schemaname = 'profiles'"
                    )
                )
            ).one()
            outbox = await connection.scalar(
                text(
                    "SELECT coalesce(max(seq), 0) FROM profiles.outbox"
                    " WHERE subject <> 'profiles.audit.recorded'"
                )
            )
            audit = await connection.scalar(text("SELECT coalesce(max(seq), 0) FROM profiles.audit_log"))
            versions = await connection.scalar(
                text("SELECT coalesce(sum(version), 0) FROM profiles.people WHERE organization = :org"),
                {"org": ORGANIZATION},
            )
            identities = await connection.scalar(
                text(
                    "SELECT coalesce(sum(revision), 0) FROM profiles.scim_identities"
                    " WHERE organization = :org"
                ),
                {"org": ORGANIZATION},
            )
    finally:
        await engine.dispose()
    return {
        "inserted": int(stats.ins),
        "updated": int(stats.upd),
        "deleted": int(stats.dele),
        "outbox_seq": int(outbox or 0),
        "audit_seq": int(audit or 0),
        "versions": int(versions or 0),
        "identity_revisions": int(identities or 0),
    }


async def sync(
    base: ApiUrl, plan: list[tuple[str, bytes, bool]], *, concurrency: int, headers: dict[str, str]
) -> dict[str, Any]:
    """PUT every user; the figures of the run."""
    async with aiohttp.ClientSession(base_url=base, connector=connector(concurrency)) as session:
        # A few reads first: the sync meets a warm process, as a nightly one does.
        warm = [("GET", f"/scim/v2/Users/{user_id}", b"") for user_id, _, _ in plan[:200]]
        await run_requests(session, warm, concurrency=concurrency, headers=headers)
        requests = [("PUT", f"/scim/v2/Users/{user_id}", body) for user_id, body, _ in plan]
        cpu = cpu_seconds(base.pid) or 0.0
        results, seconds = await run_requests(session, requests, concurrency=concurrency, headers=headers)
        cpu = (cpu_seconds(base.pid) or 0.0) - cpu
    errors = [(status, content[:300]) for _, status, content in results if status != 200]
    latencies = [latency for latency, _, _ in results]
    changed = [
        latency for (latency, _, _), (_, _, is_changed) in zip(results, plan, strict=True) if is_changed
    ]
    unchanged = [
        latency for (latency, _, _), (_, _, is_changed) in zip(results, plan, strict=True) if not is_changed
    ]
    return {
        "seconds": seconds,
        "errors": errors,
        "latencies": latencies,
        "changed": changed,
        "unchanged": unchanged,
        "cpu_ms": cpu / max(1, len(results)) * 1000,
    }


def api(platform: BenchPlatform) -> Any:
    # One connection per request in flight, and a few more for the PUTs' reads.
    return api_process(platform, "profiles", pool_size=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20000, help="users provisioned, then PUT (20000)")
    parser.add_argument("--managers", type=int, default=400, help="of them, managers of the others (400)")
    parser.add_argument(
        "--changed", type=float, default=0.5, help="share of users the HR system changed (0.5)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="PUTs in flight, as the HR client runs (16)"
    )
    parser.add_argument("--seed-concurrency", type=int, default=16, help="POSTs in flight while seeding (16)")
    args = parser.parse_args()
    token = mint_dev_token(subject="hr-provisioning", organization=ORGANIZATION, roles=["integration"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON}

    with bench_platform() as platform:
        fsync = asyncio.run(fsync_setting(platform.database_url))
        started = time.perf_counter()
        with api(platform) as base:
            seeded = asyncio.run(
                seed(
                    base,
                    users=args.users,
                    managers=min(args.managers, args.users),
                    concurrency=args.seed_concurrency,
                    headers=headers,
                )
            )
        seed_seconds = time.perf_counter() - started
        draw = random.Random(7)
        plan: list[tuple[str, bytes, bool]] = []
        for user_id, body in seeded:
            is_changed = draw.random() < args.changed
            plan.append((user_id, orjson.dumps(changed_body(body, draw) if is_changed else body), is_changed))
        draw.shuffle(plan)
        before = asyncio.run(written(platform.database_url))
        with api(platform) as base:
            run = asyncio.run(sync(base, plan, concurrency=args.concurrency, headers=headers))
            # Other work on the machine shows in every wall-clock figure: say how busy it was.
            load = os.getloadavg()[0]
        # The API process has exited: its backends reported their statistics.
        after = asyncio.run(written(platform.database_url))

    delta = {name: after[name] - before[name] for name in after}
    changed = sum(1 for _, _, is_changed in plan if is_changed)
    figures = {
        "bench": "scim_sync",
        "users": len(plan),
        "changed": changed,
        "unchanged": len(plan) - changed,
        "concurrency": args.concurrency,
        "scim_sync_seconds": round(run["seconds"], 2),
        "put_per_s": round(len(plan) / run["seconds"], 1),
        "put_p50_ms": round(percentile(run["latencies"], 50), 2),
        "put_p99_ms": round(percentile(run["latencies"], 99), 2),
        "changed_p50_ms": round(percentile(run["changed"], 50), 2),
        "changed_p99_ms": round(percentile(run["changed"], 99), 2),
        "unchanged_p50_ms": round(percentile(run["unchanged"], 50), 2),
        "unchanged_p99_ms": round(percentile(run["unchanged"], 99), 2),
        "put_cpu_ms": round(run["cpu_ms"], 3),
        "errors": len(run["errors"]),
        "events": delta["outbox_seq"],
        "versions_bumped": delta["versions"],
        "identity_revisions": delta["identity_revisions"],
        "audit_rows": delta["audit_seq"],
        "rows_inserted": delta["inserted"],
        "rows_updated": delta["updated"],
        "rows_deleted": delta["deleted"],
        "seed_seconds": round(seed_seconds, 1),
        "fsync": fsync,
        "load_1m": round(load, 2),
        "machine": machine(),
    }
    print_table(
        f"SCIM full sync: PUT of {len(plan):,} users ({changed:,} changed), {args.concurrency} in flight, "
        f"one API process, fsync {fsync}",
        [
            ("machine", figures["machine"]),
            ("load average (1 min) after the sync", figures["load_1m"]),
            ("seeding (POST, not timed), s", figures["seed_seconds"]),
            ("sync, s", figures["scim_sync_seconds"]),
            ("PUT/s", figures["put_per_s"]),
            ("  p50 / p99 ms", f"{figures['put_p50_ms']} / {figures['put_p99_ms']}"),
            ("  changed p50 / p99 ms", f"{figures['changed_p50_ms']} / {figures['changed_p99_ms']}"),
            ("  unchanged p50 / p99 ms", f"{figures['unchanged_p50_ms']} / {figures['unchanged_p99_ms']}"),
            ("  API process CPU per PUT, ms", figures["put_cpu_ms"]),
            ("errors", figures["errors"]),
            ("events written (outbox rows)", figures["events"]),
            ("people versions bumped", figures["versions_bumped"]),
            ("SCIM identity revisions", figures["identity_revisions"]),
            ("audit rows", figures["audit_rows"]),
            (
                "rows inserted / updated / deleted",
                f"{delta['inserted']} / {delta['updated']} / {delta['deleted']}",
            ),
        ],
    )
    for status, content in run["errors"][:5]:
        print(f"  error {status}: {content!r}")
    print_figures(figures)


if __name__ == "__main__":
    main()
