"""How the services map onto operating-system processes on one machine.

Two layouts run the same services with the same settings, ports and root paths:

- process per service (large organizations, and what compose and Kubernetes deploy): one uvicorn
  process per API and one `python -m <service>.worker` per worker, each scaled and restarted alone;
- single process (small organizations: mentorship/single_process.py): one process with every API
  and one with every worker, which load Python and the libraries once instead of twenty times.

`mentorship run` and bench/footprint.py start what these return.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from mentorship import gateway
from mentorship.services import ServiceSpec
from mentorship.single_process import override_prefix


@dataclass(frozen=True)
class Process:
    """One process to start: its command, its environment on top of the platform's, and the API
    ports it listens on once ready (none for workers)."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    ports: tuple[int, ...] = ()


def process_per_service(
    services: Sequence[ServiceSpec], *, port_base: int, gateway_url: str, workers: bool = True
) -> list[Process]:
    """An API process and (with `workers`) a worker process per service."""
    processes = []
    for service in services:
        port = service.api_port(port_base)
        # Served under /<service> by the gateway, like in compose: docs and links point back through it.
        argv = (
            *(sys.executable, "-m", "uvicorn", "--factory", service.app, "--host", "127.0.0.1"),
            *("--root-path", f"/{service.name}", "--port", str(port)),
        )
        env = {**_shared_env(services, port_base=port_base), **_public_url(service, gateway_url, prefix="")}
        processes.append(Process(f"{service.name} API", argv, env, (port,)))
        if workers:
            processes.append(Process(f"{service.name} worker", (sys.executable, "-m", service.worker), env))
    return processes


def single_process(
    services: Sequence[ServiceSpec], *, port_base: int, gateway_url: str, workers: bool = True
) -> list[Process]:
    """One process serving every API of `services` (each on its own port) and (with `workers`) one
    running every worker."""
    env = _shared_env(services, port_base=port_base)
    for service in services:
        env.update(_public_url(service, gateway_url, prefix=override_prefix(service.name)))
    chosen = ("--services", ",".join(service.name for service in services))
    module = (sys.executable, "-m", "mentorship.single_process")
    processes = [
        Process(
            "APIs",
            (*module, "apis", "--port-base", str(port_base), *chosen),
            env,
            tuple(service.api_port(port_base) for service in services),
        )
    ]
    if workers:
        processes.append(Process("workers", (*module, "workers", *chosen), env))
    return processes


def _shared_env(services: Sequence[ServiceSpec], *, port_base: int) -> dict[str, str]:
    # The portal reads the other services' APIs; only the ones run here are deployed.
    return {"SERVICE_URLS": gateway.service_urls(services, port_base=port_base)}


def _public_url(service: ServiceSpec, gateway_url: str, *, prefix: str) -> dict[str, str]:
    """The setting that gets the service's public URL (through the gateway), if it has one."""
    setting = service.deployment.public_url_setting
    return {f"{prefix}{setting}": f"{gateway_url}/{service.name}"} if setting else {}
