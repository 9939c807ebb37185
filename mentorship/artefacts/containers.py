"""What a service's containers run, the same in docker-compose.yml and in deploy/kubernetes."""

from __future__ import annotations

from mentorship.services import ServiceSpec

# Every API listens on this port inside its container; the gateway dials <service>-api:8000.
API_PORT = 8000
# A worker's /metrics, for Prometheus and its health check.
WORKER_METRICS_PORT = 9100
# An API's /metrics, on a port of its own (production serves none on the API port).
API_METRICS_PORT = 9100


def api_command(service: ServiceSpec) -> list[str]:
    # Behind the gateway under /<service>: the docs and OpenAPI `servers` point through the prefix.
    return [
        "uvicorn", "--factory", service.app, "--host", "0.0.0.0", "--port", str(API_PORT),
        "--root-path", f"/{service.name}", "--proxy-headers", "--forwarded-allow-ips", "*",
        "--no-server-header",
    ]  # fmt: skip


def worker_command(service: ServiceSpec) -> list[str]:
    return ["python", "-m", service.worker]


def migrate_command(service: ServiceSpec) -> list[str]:
    return ["mentorship", "migrate", service.name]


def component(service: ServiceSpec, role: str) -> str:
    """The container (compose) or workload (Kubernetes) running `role` of `service`."""
    return f"{service.name}-{role}"
