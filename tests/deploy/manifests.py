"""The deployment files as data, and what the code says they must match."""

from __future__ import annotations

import importlib
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mentorship.services import SERVICES, ServiceSpec, names
from shared.config import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
KUBERNETES = DEPLOY / "kubernetes"
KUSTOMIZATION = DEPLOY / "kustomization.yaml"
NATS_CLUSTER_CONF = DEPLOY / "nats" / "nats-cluster.conf"
STREAMS = DEPLOY / "nats" / "streams"
CONSUMERS = DEPLOY / "nats" / "consumers"
OPERATIONS_GUIDE = DEPLOY / "OPERATIONS.md"

# The platform's services: the registry's.
PLATFORM_SERVICES = names()
# Inside every API container; the published port on the host is the service's own (ServiceSpec.port).
API_PORT = 8000
# The namespace the stream definitions are written for (EVENT_NAMESPACE's default).
NAMESPACE = "mentorship"
ROLES = ("api", "worker", "migrate")
_INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(:?[-?][^}]*)?\}")


def registered() -> dict[str, ServiceSpec]:
    return {spec.name: spec for spec in SERVICES}


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose()["services"]
    return services


def compose_container(service: str, role: str) -> dict[str, Any]:
    """The compose service running `role` (api, worker, migrate) of a platform service."""
    return compose_services()[f"{service}-{role}"]


def platform_containers() -> dict[str, tuple[str, str]]:
    """Compose service name -> (platform service, role), for every container of a platform service."""
    found = {}
    for name in compose_services():
        service, _, role = name.rpartition("-")
        if role in ROLES:
            found[name] = (service, role)
    return found


def compose_variables() -> dict[str, bool]:
    """Variables docker-compose.yml interpolates, and whether each is required (`${NAME:?...}`)."""
    variables: dict[str, bool] = {}
    for name, modifier in _INTERPOLATION.findall(COMPOSE_FILE.read_text()):
        variables[name] = variables.get(name, False) or modifier.lstrip(":").startswith("?")
    return variables


def env_example() -> dict[str, str]:
    """The assignments of .env.example (comments and blank lines left out)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def settings_class(service: str) -> type[ServiceSettings]:
    """`<Name>Settings` of `<service>.config`, the way the test platform finds it."""
    module = importlib.import_module(f"{service}.config")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    )


def setting_names(settings: type[ServiceSettings]) -> set[str]:
    """The environment variables a settings class reads (pydantic-settings: field names, any case)."""
    assert not settings.model_config.get("env_prefix"), "the names below assume no prefix"
    return {name.upper() for name in settings.model_fields}


def service_setting_names(service: str) -> set[str]:
    return setting_names(settings_class(service))


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


@dataclass(frozen=True)
class Resource:
    """One Kubernetes object of deploy/kubernetes, with the file it is in."""

    file: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    def __str__(self) -> str:
        return f"{self.file}:{self.kind}/{self.name}"


@cache
def kubernetes_resources() -> tuple[Resource, ...]:
    return tuple(
        Resource(file=path.name, body=body)
        for path in sorted(KUBERNETES.glob("*.yaml"))
        for body in yaml.safe_load_all(path.read_text())
        if body
    )


def kubernetes_resource(kind: str, name: str) -> dict[str, Any]:
    matches = [r.body for r in kubernetes_resources() if r.kind == kind and r.name == name]
    assert len(matches) == 1, f"expected one {kind}/{name} in deploy/kubernetes, found {len(matches)}"
    return matches[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def kustomization() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(KUSTOMIZATION.read_text())
    return document
