"""docker-compose.yml: PostgreSQL, NATS, the gateway, and per service a migration, its API and its worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mentorship.artefacts.containers import (
    API_PORT,
    WORKER_METRICS_PORT,
    api_command,
    component,
    migrate_command,
    worker_command,
)
from mentorship.artefacts.marks import HEADER
from mentorship.artefacts.yaml_text import (
    MERGE,
    Anchored,
    Flow,
    comment_lines,
    dump,
    spaced,
    with_comment_before,
)
from mentorship.services import ServiceSpec

PATH = "docker-compose.yml"
_INTRO = f"""\
{HEADER} (mentorship/artefacts/compose.py).

The whole platform on one machine, for operators:
  cp .env.example .env        # then set the secrets in .env
  docker compose up -d --build
Every API and its docs are then behind one port: http://localhost:8080/<service>/docs (see
deploy/caddy/Caddyfile); each API is also on 127.0.0.1 at its registry port for debugging. Past one
machine: deploy/.

Per service: a one-shot migration, then its API and its worker (outbox relay, event consumers and
periodic jobs) as separate containers of the one platform image. `docker compose up --scale
<service>-worker=3` adds worker replicas: they share the durable consumers and the relay's rows.
Wiring only: everything an operator sets (ENVIRONMENT, JWT_*, LOG_LEVEL, service settings) comes from
.env, whose names are the settings' (shared/config.py and services/<name>/<name>/config.py).
"""
_POSTGRES_PASSWORD = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (see .env.example)}"


def _healthcheck(url: str, **timing: str | int) -> dict[str, Any]:
    command = f"import urllib.request; urllib.request.urlopen('{url}', timeout=3)"
    return {"test": ["CMD", "python", "-c", command], **timing}


def document(services: Sequence[ServiceSpec]) -> dict[str, Any]:
    logging = Anchored("logging", {"driver": "json-file", "options": {"max-size": "10m", "max-file": "5"}})
    app_environment = Anchored(
        "app-environment",
        {
            "DATABASE_URL": f"postgresql://mentorship:{_POSTGRES_PASSWORD}@postgres:5432/mentorship",
            "NATS_URL": "nats://nats:4222",
        },
    )
    app = Anchored(
        "app",
        {
            "image": "${MENTORSHIP_IMAGE:-mentorship-platform:local}",
            "build": {"context": "."},
            "env_file": ".env",
            "environment": app_environment,
            "read_only": True,
            "tmpfs": ["/tmp"],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "logging": logging,
        },
    )
    migration = Anchored(
        "migration",
        {MERGE: app, "restart": "no", "depends_on": {"postgres": {"condition": "service_healthy"}}},
    )
    api = Anchored(
        "api",
        {
            MERGE: app,
            "restart": "unless-stopped",
            "stop_grace_period": "30s",
            "healthcheck": _healthcheck(
                f"http://127.0.0.1:{API_PORT}/readyz",
                interval="10s",
                timeout="5s",
                retries=3,
                start_period="30s",
            ),
        },
    )
    worker_environment = Anchored(
        "worker-environment",
        {
            MERGE: app_environment,
            "WORKER_METRICS_PORT": str(WORKER_METRICS_PORT),
            "WORKER_METRICS_HOST": "0.0.0.0",
        },
    )
    worker = Anchored(
        "worker",
        {
            MERGE: app,
            "restart": "unless-stopped",
            # SIGTERM lets the relay and the consumers finish their batch; unacked messages are redelivered.
            "stop_grace_period": "30s",
            "environment": worker_environment,
            "healthcheck": _healthcheck(
                f"http://127.0.0.1:{WORKER_METRICS_PORT}/metrics",
                interval="15s",
                timeout="5s",
                retries=3,
                start_period="30s",
            ),
        },
    )
    containers: dict[str, Any] = {
        "postgres": _postgres(logging),
        "nats": _nats(logging),
        "gateway": _gateway(services, logging),
    }
    for service in services:
        containers |= _service(service, migration=migration, api=api, worker=worker, env=app_environment)
    return {
        "name": "mentorship",
        "x-logging": logging,
        "x-app-environment": app_environment,
        "x-app": app,
        "x-migration": migration,
        "x-api": api,
        "x-worker-environment": worker_environment,
        "x-worker": worker,
        "services": containers,
        "volumes": {"postgres-data": None, "nats-data": None, "caddy-data": None},
    }


def _postgres(logging: Anchored) -> dict[str, Any]:
    return {
        "image": "${POSTGRES_IMAGE:-postgres:17-alpine}",
        "restart": "unless-stopped",
        # Every API and worker holds a pool (DATABASE_POOL_SIZE plus as much overflow): the default 100
        # connections are too few for a dozen containers under load.
        "command": Flow(["postgres", "-c", "max_connections=400"]),
        "environment": {
            "POSTGRES_USER": "mentorship",
            "POSTGRES_DB": "mentorship",
            "POSTGRES_PASSWORD": _POSTGRES_PASSWORD,
        },
        "volumes": ["postgres-data:/var/lib/postgresql/data"],
        "shm_size": "256mb",
        "healthcheck": {
            "test": Flow(["CMD-SHELL", "pg_isready -U mentorship -d mentorship"]),
            "interval": "5s",
            "timeout": "3s",
            "retries": 12,
            "start_period": "10s",
        },
        "logging": logging,
    }


def _nats(logging: Anchored) -> dict[str, Any]:
    return {
        "image": "${NATS_IMAGE:-nats:2.11-alpine}",
        "restart": "unless-stopped",
        "command": Flow(
            [
                "nats-server",
                *("--jetstream", "--store_dir", "/data", "--http_port", "8222"),
                *("--server_name", "mentorship-nats"),
            ]
        ),
        "volumes": ["nats-data:/data"],
        "healthcheck": {
            "test": Flow(
                ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz?js-enabled-only=true"]
            ),
            "interval": "5s",
            "timeout": "3s",
            "retries": 12,
            "start_period": "5s",
        },
        "logging": logging,
    }


def _gateway(services: Sequence[ServiceSpec], logging: Anchored) -> dict[str, Any]:
    return {
        "image": "${CADDY_IMAGE:-caddy:2.10-alpine}",
        "restart": "unless-stopped",
        "ports": ["${PUBLIC_PORT:-8080}:8080"],
        "environment": {"SITE_ADDRESS": "${SITE_ADDRESS:-:8080}"},
        "volumes": ["./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro", "caddy-data:/data"],
        # The image's caddy binary carries the NET_BIND_SERVICE file capability: its exec fails without it.
        "cap_drop": ["ALL"],
        "cap_add": ["NET_BIND_SERVICE"],
        "security_opt": ["no-new-privileges:true"],
        "healthcheck": {
            "test": Flow(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8081/healthz"]),
            "interval": "10s",
            "timeout": "3s",
            "retries": 3,
        },
        "depends_on": {component(service, "api"): {"condition": "service_started"} for service in services},
        "logging": logging,
    }


def _service(
    service: ServiceSpec, *, migration: Anchored, api: Anchored, worker: Anchored, env: Anchored
) -> dict[str, Any]:
    """The migration, API and worker containers of one service."""
    ready = Anchored(
        f"{service.name}-ready",
        {
            component(service, "migrate"): {"condition": "service_completed_successfully"},
            "nats": {"condition": "service_healthy"},
        },
    )
    api_container: dict[str, Any] = {MERGE: api, "command": Flow(api_command(service))}
    if service.deployment.public_url_setting:
        # Links the API hands out (e.g. calendar feeds) point through the gateway's public address.
        api_container["environment"] = {
            MERGE: env,
            service.deployment.public_url_setting: f"${{PUBLIC_URL:-http://localhost:8080}}/{service.name}",
        }
    # Published on the host on loopback only, at the port `mentorship run` uses too.
    api_container |= {"ports": [f"127.0.0.1:{service.port}:{API_PORT}"], "depends_on": ready}
    return {
        component(service, "migrate"): {MERGE: migration, "command": Flow(migrate_command(service))},
        component(service, "api"): api_container,
        component(service, "worker"): {
            MERGE: worker,
            "command": Flow(worker_command(service)),
            "depends_on": ready,
        },
    }


def text(services: Sequence[ServiceSpec]) -> str:
    written = comment_lines(_INTRO) + "\n" + spaced(dump([document(services)]))
    for service in services:
        written = with_comment_before(
            written, f"  {component(service, 'migrate')}:", f"{service.name}: {service.summary}."
        )
    return written
