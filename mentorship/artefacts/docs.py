"""The service tables of README.md and deploy/OPERATIONS.md and the README's architecture diagram,
each in a marked region of the hand-written page."""

from __future__ import annotations

from collections.abc import Sequence

from mentorship.services import ServiceSpec

README = "README.md"
OPERATIONS = "deploy/OPERATIONS.md"


def _rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n" + "".join(f"{line}\n" for line in lines) + "\n"


def _reads(service: ServiceSpec) -> str:
    sources = ", ".join(service.sources()) or "none"
    return f"every publisher: {sources}" if service.consumes_every_publisher else sources


def readme_regions(services: Sequence[ServiceSpec]) -> dict[str, str]:
    table = _rows(
        ("service", "what it owns", "port", "API docs"),
        [(f"**{s.name}**", s.summary, str(s.port), f"http://127.0.0.1:{s.port}/docs") for s in services],
    )
    return {"services": table, "architecture": _diagram(services)}


def _diagram(services: Sequence[ServiceSpec]) -> str:
    """The mermaid lines of the services: who publishes to NATS, who consumes, all on PostgreSQL."""
    every = " & ".join(service.name for service in services)
    publishers = " & ".join(service.name for service in services if service.publishes)
    consumers = " & ".join(service.name for service in services if service.sources())
    lines = [
        "subgraph services[Services: API + worker each, own schema]",
        *(f"  {service.name}" for service in services),
        "end",
        f"FE -->|HTTP /v1, JWT| {every}",
        f"{publishers} -->|outbox relay| N[(NATS JetStream<br/>one stream per publisher)]",
        f"N -->|durable consumers + inbox| {consumers}",
        f"{every} --- PG[(PostgreSQL<br/>one schema per service)]",
    ]
    return "".join(f"    {line}\n" for line in lines)


def operations_regions(services: Sequence[ServiceSpec]) -> dict[str, str]:
    table = _rows(
        ("service", "what it owns", "API on the host (compose)", "worker replicas", "reads the events of"),
        [
            (
                f"**{s.name}**",
                s.summary,
                f"`127.0.0.1:{s.port}`",
                f"2 to {s.deployment.worker_max_replicas}",
                _reads(s),
            )
            for s in services
        ],
    )
    return {"services": table}
