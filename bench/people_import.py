"""Bulk import of people: an HR export (CSV) of new people with skills and managers, end to end.

The profiles API (one uvicorn worker) and the profiles worker (the import task and the outbox relay)
run as their own processes, as deployed. The CSV is uploaded to `POST /v1/imports/people`;
`import_seconds` runs from the upload to the moment the import succeeded AND every event it caused
(one PersonCreated per row) has been published to NATS (the outbox is empty). `import_peak_mb` is the
highest resident memory of either process during the run (sampled every 0.1 s). The run fails unless
every row became a person and every person's PersonCreated was published.

The file: `--rows` people, the first `--managers` of them managers of the others (each row names its
manager by external id), each with three skills, languages, a time zone, a seniority and a capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import subprocess
import sys
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
    print_figures,
    print_table,
    rss_mb,
)

import httpx
from sqlalchemy import text

from shared.auth import mint_dev_token
from shared.db import create_engine

ORGANIZATION = "org-import-bench"
SKILLS = ("python", "pytorch", "nlp", "computer-vision", "mlops", "reinforcement-learning", "ai-ethics")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/Paris", "America/Sao_Paulo")


def export(rows: int, managers: int) -> bytes:
    """An HR export as CSV: managers first in the file only by chance (the import orders rows)."""
    draw = random.Random(19)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            *("external_id", "email", "name", "title", "department", "manager_external_id"),
            *("seniority", "time_zone", "languages", "skills", "mentor_capacity"),
        ]
    )
    order = list(range(rows))
    draw.shuffle(order)
    for index in order:
        manager = "" if index < managers else f"hr-{draw.randrange(managers)}"
        skills = ";".join(f"{skill}:{draw.randint(1, 5)}" for skill in draw.sample(SKILLS, 3))
        writer.writerow(
            [
                *(f"hr-{index}", f"person{index}@import.example", f"Person {index}", "Engineer"),
                *(f"dept-{index % 50}", manager, draw.choice(["junior", "mid", "senior", "staff"])),
                *(draw.choice(ZONES), "en;fr" if index % 3 else "en", skills, str(draw.randint(0, 3))),
            ]
        )
    return out.getvalue().encode()


class Peaks:
    """The highest resident memory seen of each watched process."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.mb = dict.fromkeys(pids, 0.0)

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for name, pid in self.pids.items():
                self.mb[name] = max(self.mb[name], rss_mb(pid) or 0.0)
            await asyncio.sleep(0.1)


async def outbox_waiting(platform: BenchPlatform) -> int:
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    text("SELECT count(*) FROM profiles.outbox WHERE published_at IS NULL")
                )
                or 0
            )
    finally:
        await engine.dispose()


async def created_events_published(platform: BenchPlatform) -> int:
    """PersonCreated events the relay published (acknowledged by the stream)."""
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    text(
                        "SELECT count(*) FROM profiles.outbox"
                        " WHERE subject = 'profiles.person.created' AND published_at IS NOT NULL"
                    )
                )
                or 0
            )
    finally:
        await engine.dispose()


async def people_count(platform: BenchPlatform) -> tuple[int, int]:
    """(people of the organization, of them with a manager)."""
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT count(*), count(manager_id) FROM profiles.people WHERE organization = :org"),
                    {"org": ORGANIZATION},
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


async def measure(
    platform: BenchPlatform, base_url: ApiUrl, worker: subprocess.Popen[bytes], content: bytes
) -> dict[str, Any]:
    token = mint_dev_token(subject="import-bench-admin", organization=ORGANIZATION, roles=["admin"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    peaks = Peaks({"api": base_url.pid, "worker": worker.pid})
    stop = asyncio.Event()
    watcher = asyncio.create_task(peaks.watch(stop))
    cpu_before = {name: cpu_seconds(pid) or 0.0 for name, pid in peaks.pids.items()}
    async with httpx.AsyncClient(base_url=base_url, timeout=600, trust_env=False) as client:
        started = time.monotonic()
        created = await client.post("/v1/imports/people", content=content, headers=headers)
        created.raise_for_status()
        job = created.json()
        uploaded = time.monotonic() - started
        while job["status"] not in ("succeeded", "failed"):
            await asyncio.sleep(0.2)
            job = (await client.get(f"/v1/imports/{job['id']}", headers=headers)).json()
        committed = time.monotonic() - started
        while await outbox_waiting(platform):
            await asyncio.sleep(0.2)
        seconds = time.monotonic() - started
    stop.set()
    await watcher
    cpu = {name: (cpu_seconds(pid) or 0.0) - cpu_before[name] for name, pid in peaks.pids.items()}
    people, with_manager = await people_count(platform)
    published = await created_events_published(platform)
    if job["status"] != "succeeded" or job["failed"] or people != job["total"] or published != people:
        raise SystemExit(f"the import did not go through ({people} people, {published} events): {job}")
    return {
        "upload_seconds": round(uploaded, 2),
        "committed_seconds": round(committed, 2),
        "import_seconds": round(seconds, 2),
        "rows_per_s": round(job["total"] / seconds, 1),
        "import_peak_mb": round(max(peaks.mb.values()), 1),
        "api_peak_mb": round(peaks.mb["api"], 1),
        "worker_peak_mb": round(peaks.mb["worker"], 1),
        "api_cpu_seconds": round(cpu["api"], 2),
        "worker_cpu_seconds": round(cpu["worker"], 2),
        "people": people,
        "with_manager": with_manager,
        "events_published": published,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="people in the file (100000)")
    parser.add_argument("--managers", type=int, default=2_000, help="of them, managers of the rest (2000)")
    args = parser.parse_args()
    content = export(args.rows, min(args.managers, args.rows))
    # The machine is shared: its load says how far the figures can be compared with another run's.
    load_before = os.getloadavg()[0]
    with bench_platform() as platform:
        fsync = asyncio.run(fsync_setting(platform.database_url))
        worker = subprocess.Popen([sys.executable, "-m", "profiles.worker"], env=platform.env())
        try:
            with api_process(platform, "profiles") as base_url:
                figures = asyncio.run(measure(platform, base_url, worker, content))
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    figures = {
        "bench": "people_import",
        "machine": machine(),
        "fsync": fsync,
        "rows": args.rows,
        "file_mb": round(len(content) / 1024 / 1024, 1),
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
        **figures,
    }
    print_table(
        f"Bulk import of {args.rows} new people, CSV, upload to every event published "
        f"({figures['machine']}; PostgreSQL fsync {fsync})",
        [
            ("file size, MB", figures["file_mb"]),
            ("upload answered (201), seconds", figures["upload_seconds"]),
            ("import succeeded (every row committed), seconds", figures["committed_seconds"]),
            ("every event published, seconds (import_seconds)", figures["import_seconds"]),
            ("rows/s", figures["rows_per_s"]),
            ("peak RSS: API / worker, MB", f"{figures['api_peak_mb']} / {figures['worker_peak_mb']}"),
            ("CPU seconds: API / worker", f"{figures['api_cpu_seconds']} / {figures['worker_cpu_seconds']}"),
            ("people / of them with a manager", f"{figures['people']} / {figures['with_manager']}"),
            ("PersonCreated events published", figures["events_published"]),
            (
                "load average (1 min) before / after",
                f"{figures['load_1m_before']} / {figures['load_1m_after']}",
            ),
        ],
    )
    print_figures(figures)


if __name__ == "__main__":
    main()
