"""The platform's services, as the operator tooling runs them: adding a service is one line in SERVICES."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PORT_BASE = 8000


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """How to run one service: its HTTP API (a uvicorn app factory) and its event worker (a module)."""

    name: str
    port: int
    # Empty means the conventional location, filled in from the name.
    app: str = field(default="")
    worker: str = field(default="")

    def __post_init__(self) -> None:
        if not self.app:
            object.__setattr__(self, "app", f"{self.name}.main:create_app")
        if not self.worker:
            object.__setattr__(self, "worker", f"{self.name}.worker")

    def api_port(self, port_base: int = DEFAULT_PORT_BASE) -> int:
        """The API's port when every service port is shifted to start from `port_base`."""
        return self.port - DEFAULT_PORT_BASE + port_base


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(name="profiles", port=8001),
    ServiceSpec(name="matching", port=8002),
    ServiceSpec(name="scheduling", port=8003),
    ServiceSpec(name="feedback", port=8004),
    ServiceSpec(name="webhooks", port=8005),
)


def select(names: list[str] | None = None) -> list[ServiceSpec]:
    """The services called `names` (all of them when None or empty), in registry order."""
    if not names:
        return list(SERVICES)
    known = {service.name for service in SERVICES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [service for service in SERVICES if service.name in names]
