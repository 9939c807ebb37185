"""Memory of the whole platform at idle: every registered service's API and worker, in both layouts.

1. process per service (what compose and Kubernetes deploy, `mentorship run`): one uvicorn process
   per API and one `python -m <service>.worker` per worker;
2. single process (`mentorship run --single-process`, `mentorship api-all` + `mentorship worker-all`):
   one process with every API, one with every worker.

Each layout is started exactly as `mentorship run` starts it (mentorship/layouts.py), on a free port
base, over a fresh migrated database and an event namespace of its own. It is ready when every API
answers `/readyz` with 200 and every worker's durable consumers exist in JetStream; it then idles
`--idle-seconds` before the resident memory (VmRSS, summed over each process and its children) is
read, and is stopped before the next layout starts. Figures: `idle_rss_mb` (process per service) and
`single_process_rss_mb` (both processes of the single-process mode).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mentorship.benchmarking import (
    BenchPlatform,
    bench_platform,
    fsync_setting,
    machine,
    print_figures,
    print_table,
    rss_mb,
)

import httpx
import nats

from mentorship import layouts
from mentorship.processes import free_port_base, terminate
from mentorship.services import ServiceSpec, select

READY_SECONDS = 240.0


@dataclass(frozen=True)
class Measured:
    name: str
    pid: int
    rss_mb: float


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in parents.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, in MB."""
    return sum(rss_mb(each) or 0.0 for each in (pid, *children(pid)))


async def consumers_ready(nats_url: str, namespace: str, expected: int) -> bool:
    """Whether the workers created every durable consumer they own (one per stream they read)."""
    connection = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = connection.jetstream()
        count = 0
        for stream in await js.streams_info():
            name = stream.config.name or ""
            if name.lower().startswith(f"{namespace}_"):
                count += len(await js.consumers_info(name))
        return count >= expected
    finally:
        await connection.close()


async def delete_streams(nats_url: str, namespace: str) -> None:
    connection = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=1)
    try:
        js = connection.jetstream()
        for stream in await js.streams_info():
            if stream.config.name and stream.config.name.lower().startswith(f"{namespace}_"):
                await js.delete_stream(stream.config.name)
    finally:
        await connection.close()


def apis_ready(ports: Sequence[int]) -> bool:
    for port in ports:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2, trust_env=False).status_code != 200:
                return False
        except httpx.TransportError:
            return False
    return True


@contextlib.contextmanager
def started(
    processes: Sequence[layouts.Process], env: dict[str, str], log: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start `processes` (each in its own session, output to `log`); stop them all afterwards."""
    running: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as output:
        try:
            for process in processes:
                running.append(
                    subprocess.Popen(
                        list(process.argv),
                        env={**env, **process.env},
                        # Not the repository: no .env of a developer's, no bench/ script shadowing a service.
                        cwd=log.parent,
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            yield running
        finally:
            for child in running:
                terminate(child, timeout=30)


def measure_layout(
    label: str,
    layout: Callable[..., list[layouts.Process]],
    *,
    platform: BenchPlatform,
    services: Sequence[ServiceSpec],
    idle_seconds: float,
) -> tuple[list[Measured], float]:
    """Start `layout`, wait until it is ready, idle, then read each process tree's RSS; returns the
    measurements and the seconds it took to be ready."""
    namespace = f"{platform.namespace}{label[0]}"
    env = {**platform.env(), "EVENT_NAMESPACE": namespace}
    base = free_port_base([0, *(service.api_port(0) for service in services)])
    processes = layout(services, port_base=base, gateway_url=f"http://127.0.0.1:{base}")
    ports = [port for process in processes for port in process.ports]
    expected_consumers = sum(len(service.sources()) for service in services)
    scratch = tempfile.TemporaryDirectory(prefix="mentorship-footprint-")
    log = Path(scratch.name) / "platform.log"
    try:
        with started(processes, env, log) as running:
            began = time.monotonic()
            while not (
                apis_ready(ports)
                and asyncio.run(consumers_ready(platform.nats_url, namespace, expected_consumers))
            ):
                exited = [
                    p.name for p, child in zip(processes, running, strict=True) if child.poll() is not None
                ]
                if exited:
                    raise RuntimeError(
                        f"{label}: {', '.join(exited)} exited before the platform was ready:\n"
                        + log.read_text(errors="replace")[-3000:]
                    )
                if time.monotonic() - began > READY_SECONDS:
                    raise RuntimeError(
                        f"{label}: not ready within {READY_SECONDS:.0f} s:\n"
                        + log.read_text(errors="replace")[-3000:]
                    )
                time.sleep(0.5)
            ready_seconds = time.monotonic() - began
            time.sleep(idle_seconds)
            measured = [
                Measured(process.name, child.pid, tree_rss_mb(child.pid))
                for process, child in zip(processes, running, strict=True)
            ]
    finally:
        asyncio.run(delete_streams(platform.nats_url, namespace))
        scratch.cleanup()
    return measured, ready_seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=30.0, help="idle time after readiness before reading RSS (30)"
    )
    parser.add_argument(
        "--services",
        default="",
        help="comma-separated services (default: every registered one, the headline)",
    )
    options = parser.parse_args()
    services = select([name for name in options.services.split(",") if name])
    with bench_platform() as platform:
        fsync = asyncio.run(fsync_setting(platform.database_url))
        per_service, per_service_ready = measure_layout(
            "process per service",
            layouts.process_per_service,
            platform=platform,
            services=services,
            idle_seconds=options.idle_seconds,
        )
        single, single_ready = measure_layout(
            "single process",
            layouts.single_process,
            platform=platform,
            services=services,
            idle_seconds=options.idle_seconds,
        )
    idle_rss = sum(each.rss_mb for each in per_service)
    single_rss = sum(each.rss_mb for each in single)
    load = os.getloadavg()
    figures: dict[str, object] = {
        "bench": "footprint",
        "services": len(services),
        "processes": len(per_service),
        "idle_seconds": options.idle_seconds,
        "idle_rss_mb": round(idle_rss, 1),
        "single_process_rss_mb": round(single_rss, 1),
        "single_process_apis_rss_mb": round(sum(m.rss_mb for m in single if m.name == "APIs"), 1),
        "single_process_workers_rss_mb": round(sum(m.rss_mb for m in single if m.name == "workers"), 1),
        "ready_seconds": round(per_service_ready, 1),
        "single_process_ready_seconds": round(single_ready, 1),
        "machine": machine(),
        "load_1m": round(load[0], 2),
        "fsync": fsync,
    }
    print_table(
        f"Process per service: {len(per_service)} processes, RSS after {options.idle_seconds:g} s idle (MB)",
        [(each.name, each.rss_mb) for each in per_service] + [("total", idle_rss)],
    )
    print()
    print_table(
        f"Single process: {len(single)} processes, RSS after {options.idle_seconds:g} s idle (MB)",
        [(each.name, each.rss_mb) for each in single] + [("total", single_rss)],
    )
    print()
    print(f"{len(services)} services; {figures['machine']}; load {load[0]:.2f}; PostgreSQL fsync {fsync}")
    print_figures(figures)


if __name__ == "__main__":
    main()
