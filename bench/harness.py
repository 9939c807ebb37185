"""What every benchmark needs: servers (embedded unless URLs are given), a migrated database, figures.

A benchmark prints a readable table and, as its very last line, one JSON object with its figures.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _import_services_past_bench() -> None:
    """`python bench/webhooks.py` puts bench/ first on sys.path, where the script would shadow the
    service package of the same name: import the packages once without bench/ (and keep bench/ on
    the path, which the processes a benchmark spawns need to import this module)."""
    saved = sys.path[:]
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]
    try:
        for package in ("shared", "profiles", "matching", "scheduling", "feedback", "webhooks"):
            importlib.import_module(package)
    finally:
        sys.path[:] = saved


_import_services_past_bench()

from mentorship.databases import create_database, drop_database  # noqa: E402
from mentorship.embedded import EmbeddedNats, EmbeddedPostgres  # noqa: E402
from mentorship.processes import free_port, port_accepts  # noqa: E402
from mentorship.services import SERVICES  # noqa: E402
from shared.config import async_database_url  # noqa: E402
from shared.logging import configure_logging  # noqa: E402
from shared.migrations import upgrade  # noqa: E402


@dataclass(frozen=True)
class BenchPlatform:
    database_url: str  # asyncpg URL of a fresh, migrated database
    nats_url: str
    namespace: str  # unique event namespace (streams and subjects) of this run

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "NATS_URL": self.nats_url,
            "EVENT_NAMESPACE": self.namespace,
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
        }


@contextlib.contextmanager
def bench_platform() -> Iterator[BenchPlatform]:
    """Servers from DATABASE_URL / NATS_URL, or embedded ones in a temporary folder; a fresh database."""
    configure_logging(level="WARNING", json_logs=False, service="bench")
    with tempfile.TemporaryDirectory(prefix="mentorship-bench-") as scratch:
        postgres = (
            None if os.environ.get("DATABASE_URL") else EmbeddedPostgres(Path(scratch) / "pg", durable=False)
        )
        nats_server = None if os.environ.get("NATS_URL") else EmbeddedNats(Path(scratch) / "nats")
        try:
            admin = postgres.start() if postgres else os.environ["DATABASE_URL"]
            admin = admin.replace("postgresql+asyncpg://", "postgresql://")
            nats_url = nats_server.start() if nats_server else os.environ["NATS_URL"]
            name = f"bench_{uuid.uuid4().hex[:10]}"
            url = create_database(admin, name)
            try:
                for service in SERVICES:
                    upgrade(service.name, url)
                yield BenchPlatform(async_database_url(url), nats_url, f"b{uuid.uuid4().hex[:10]}")
            finally:
                drop_database(admin, name)
        finally:
            if nats_server:
                nats_server.stop()
            if postgres:
                postgres.stop()


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile (0-100) of `values`, by the inclusive method."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(pct) - 1))])


def print_table(title: str, rows: Sequence[tuple[str, object]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(title)
    print("-" * len(title))
    for label, value in rows:
        text = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"  {label.ljust(width)}  {text}")


def print_figures(figures: dict[str, object]) -> None:
    """The last line of every benchmark: its figures as one JSON object."""
    print(json.dumps(figures), flush=True)


@contextlib.contextmanager
def api_process(platform: BenchPlatform, service: str, *, pool_size: int = 20) -> Iterator[str]:
    """`service`'s API as its own process (one uvicorn worker, as deployed); yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", f"{service}.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = {**platform.env(), "DATABASE_POOL_SIZE": str(pool_size), "LOG_JSON": "false"}
    server = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 30
        while not port_accepts("127.0.0.1", port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {service} API did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
