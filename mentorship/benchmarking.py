"""What every benchmark (bench/<name>.py) needs: servers (embedded unless URLs are given), a migrated
database, figures.

A benchmark prints a readable table and, as its very last line, one JSON object with its figures.
Import it before anything else (ruff's isort settings put it first): a script named like a service
is run again before its folder can shadow that service.
"""

from __future__ import annotations

import contextlib
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

from mentorship.databases import create_database, drop_database
from mentorship.embedded import EmbeddedNats, EmbeddedPostgres
from mentorship.processes import free_port, port_accepts
from mentorship.services import SERVICES, names
from shared.blocking import run_blocking
from shared.config import async_database_url
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.streams import delete_namespace_streams


def _run_where_no_script_shadows_a_service() -> None:
    """`python bench/<any>.py` puts bench/ first on sys.path, where `import webhooks` (even from a
    migration's env.py) finds bench/webhooks.py instead of the service: run the script again in
    safe-path mode (-P, Python 3.11+), which leaves that folder out. Benchmarks therefore share code
    through installed packages, never by importing a sibling script."""
    main = sys.modules.get("__main__")
    script = Path(getattr(main, "__file__", None) or "")
    if (
        sys.flags.safe_path
        or getattr(main, "__name__", "") != "__main__"  # a multiprocessing child: its parent did this
        or not any((script.parent / f"{name}.py").exists() for name in names())
        or not sys.path
        or Path(sys.path[0] or ".").resolve() != script.resolve().parent
    ):
        return
    sys.stdout.flush()
    os.execv(sys.executable, [sys.orig_argv[0], "-P", *sys.orig_argv[1:]])


_run_where_no_script_shadows_a_service()


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
            namespace = f"b{uuid.uuid4().hex[:10]}"
            try:
                for service in SERVICES:
                    upgrade(service.name, url)
                yield BenchPlatform(async_database_url(url), nats_url, namespace)
            finally:
                drop_database(admin, name)
                if not nats_server:
                    # A shared server keeps what a run published until someone deletes it.
                    run_blocking(delete_namespace_streams(nats_url, namespace))
        finally:
            if nats_server:
                nats_server.stop()
            if postgres:
                postgres.stop()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far (Linux): what a benchmark compares across runs on
    a busy machine, where wall-clock figures mean little."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident memory of process `pid` now, in MB (Linux); None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def fsync_setting(database_url: str) -> str:
    """PostgreSQL's `fsync` setting ("on"/"off"), which every benchmark states with its figures."""
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return str(await connection.fetchval("SHOW fsync"))
    finally:
        await connection.close()


def machine() -> str:
    """The machine a benchmark ran on, in a few words (cores, memory, CPU model)."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GB"
                break
    return f"{os.cpu_count()} cores{memory}{', ' + model if model else ''}"


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


class ApiUrl(str):
    """An API's base URL that also knows the API process's id (for its CPU time: `cpu_seconds`)."""

    pid: int

    def __new__(cls, url: str, pid: int) -> ApiUrl:
        value = super().__new__(cls, url)
        value.pid = pid
        return value


@contextlib.contextmanager
def api_process(
    platform: BenchPlatform, service: str, *, pool_size: int = 20, start_seconds: float = 30
) -> Iterator[ApiUrl]:
    """`service`'s API as its own process (one uvicorn worker, as deployed); yields its base URL
    (an `ApiUrl`: a str with the process's `pid`)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", f"{service}.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = {**platform.env(), "DATABASE_POOL_SIZE": str(pool_size), "LOG_JSON": "false"}
    server = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + start_seconds
        while not port_accepts("127.0.0.1", port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {service} API did not start")
            time.sleep(0.1)
        yield ApiUrl(f"http://127.0.0.1:{port}", server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
