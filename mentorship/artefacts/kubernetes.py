"""deploy/kubernetes/<service>.yaml (migration Job, API and worker with their autoscalers), and the
list of them in deploy/kustomization.yaml, which applies them with the hand-written manifests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mentorship.artefacts.containers import (
    API_METRICS_PORT,
    API_PORT,
    WORKER_METRICS_PORT,
    api_command,
    component,
    migrate_command,
    worker_command,
)
from mentorship.artefacts.marks import HEADER
from mentorship.artefacts.yaml_text import Flow, comment_lines, dump
from mentorship.services import ServiceSpec

FOLDER = "deploy/kubernetes"
KUSTOMIZATION = "deploy/kustomization.yaml"
# Where the gateway is reached from outside (the Ingress host in gateway.yaml).
PUBLIC_URL = "https://mentorship.example.com"
_USER = 10001  # the image's numeric non-root user

_SERVICE_INTRO = """\
A migration Job, the API (Deployment, Service, autoscaler, disruption budget) and the worker
(Deployment, autoscaler). Upgrades run the Job to completion before the Deployments roll
(deploy/OPERATIONS.md). Finished Jobs are removed after an hour, so the next `kubectl apply` creates
(and runs) the Job again. The Job gets only the Secret (DATABASE_URL), so it runs before the rest of
the configuration exists. APIs leave their Service (preStop sleep) before they stop taking requests.
Worker replicas share the durable consumers (each message goes to one of them) and claim outbox rows
with SKIP LOCKED, so they scale out without coordination; a worker serves no requests, so it has no
readiness, and it is alive while its metrics answer.
"""


def manifest_path(service: ServiceSpec) -> str:
    return f"{FOLDER}/{service.name}.yaml"


def _labels(service: ServiceSpec, role: str, *, part_of: bool = True) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": service.name, "app.kubernetes.io/component": role}
    return labels | {"app.kubernetes.io/part-of": "mentorship"} if part_of else labels


def _metadata(service: ServiceSpec, role: str, name: str) -> dict[str, Any]:
    return {"name": name, "labels": _labels(service, role)}


def _pod_security() -> dict[str, Any]:
    # The `restricted` Pod Security Standard, which the namespace enforces.
    return {
        "runAsNonRoot": True,
        "runAsUser": _USER,
        "runAsGroup": _USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": Flow(["ALL"])},
    }


def _resources(cpu: str, memory: str, limit: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": limit}}


def _configuration(service: ServiceSpec) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = [
        {"configMapRef": {"name": "mentorship-config"}},
        {"secretRef": {"name": "mentorship-secrets"}},
    ]
    if service.deployment.own_secret:
        sources.append({"secretRef": {"name": f"{service.name}-secrets"}})
    return sources


def _spread(service: ServiceSpec, role: str) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": _labels(service, role, part_of=False)},
        }
    ]


def _scraped(port: int) -> dict[str, str]:
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}


def _tmp() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumeMounts, volumes) of a writable /tmp on the read-only root file system."""
    return [{"name": "tmp", "mountPath": "/tmp"}], [{"name": "tmp", "emptyDir": {}}]


def _migration_job(service: ServiceSpec) -> dict[str, Any]:
    name = component(service, "migrate")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(service, "migration", name),
        "spec": {
            "backoffLimit": 3,
            "ttlSecondsAfterFinished": 3600,
            "template": {
                "metadata": {"labels": _labels(service, "migration")},
                "spec": {
                    "restartPolicy": "Never",
                    "securityContext": _pod_security(),
                    "containers": [
                        {
                            "name": "migrate",
                            "image": "mentorship-platform",
                            "command": Flow(migrate_command(service)),
                            "envFrom": [{"secretRef": {"name": "mentorship-secrets"}}],
                            "securityContext": _container_security(),
                            "resources": _resources("100m", "128Mi", "256Mi"),
                        }
                    ],
                },
            },
        },
    }


def _api(service: ServiceSpec) -> list[dict[str, Any]]:
    name = component(service, "api")
    selector = _labels(service, "api", part_of=False)
    mounts, volumes = _tmp()
    container: dict[str, Any] = {
        "name": "api",
        "image": "mentorship-platform",
        "command": api_command(service),
        "ports": [
            {"name": "http", "containerPort": API_PORT},
            {"name": "metrics", "containerPort": API_METRICS_PORT},
        ],
        "envFrom": _configuration(service),
        # Production serves no /metrics on the API port: Prometheus scrapes a port of its own.
        "env": [
            {"name": "API_METRICS_PORT", "value": str(API_METRICS_PORT)},
            {"name": "API_METRICS_HOST", "value": "0.0.0.0"},
        ],
    }
    if service.deployment.public_url_setting:
        value = f"{PUBLIC_URL}/{service.name}"
        container["env"].append({"name": service.deployment.public_url_setting, "value": value})
    container |= {
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 2,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "lifecycle": {"preStop": {"exec": {"command": Flow(["sleep", "5"])}}},
        "securityContext": _container_security(),
        "resources": _resources("250m", service.deployment.memory, service.deployment.memory_limit),
        "volumeMounts": mounts,
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(service, "api", name),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": _labels(service, "api"), "annotations": _scraped(API_METRICS_PORT)},
                "spec": {
                    "securityContext": _pod_security(),
                    "topologySpreadConstraints": _spread(service, "api"),
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }
    # The gateway's Caddyfile dials <service>-api:8000 in Kubernetes as in compose.
    network_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(service, "api", name),
        "spec": {"selector": selector, "ports": [{"name": "http", "port": API_PORT, "targetPort": "http"}]},
    }
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(service, "api", name),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}},
    }
    return [deployment, network_service, _autoscaler(service, "api", 10), budget]


def _worker(service: ServiceSpec) -> list[dict[str, Any]]:
    name = component(service, "worker")
    mounts, volumes = _tmp()
    container = {
        "name": "worker",
        "image": "mentorship-platform",
        "command": Flow(worker_command(service)),
        "ports": [{"name": "metrics", "containerPort": WORKER_METRICS_PORT}],
        "envFrom": _configuration(service),
        "env": [
            {"name": "WORKER_METRICS_PORT", "value": str(WORKER_METRICS_PORT)},
            {"name": "WORKER_METRICS_HOST", "value": "0.0.0.0"},
        ],
        "livenessProbe": {
            "httpGet": {"path": "/metrics", "port": "metrics"},
            "initialDelaySeconds": 20,
            "periodSeconds": 15,
            "timeoutSeconds": 5,
            "failureThreshold": 4,
        },
        "securityContext": _container_security(),
        "resources": _resources("250m", service.deployment.memory, service.deployment.memory_limit),
        "volumeMounts": mounts,
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(service, "worker", name),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": _labels(service, "worker", part_of=False)},
            "template": {
                "metadata": {
                    "labels": _labels(service, "worker"),
                    "annotations": _scraped(WORKER_METRICS_PORT),
                },
                "spec": {
                    "securityContext": _pod_security(),
                    # SIGTERM stops fetching; the batch in hand commits (or is redelivered) well within this.
                    "terminationGracePeriodSeconds": 60,
                    "topologySpreadConstraints": _spread(service, "worker"),
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }
    return [deployment, _autoscaler(service, "worker", service.deployment.worker_max_replicas)]


def _autoscaler(service: ServiceSpec, role: str, max_replicas: int) -> dict[str, Any]:
    name = component(service, role)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(service, role, name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 2,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def manifest(service: ServiceSpec) -> str:
    intro = f"{HEADER} (mentorship/artefacts/kubernetes.py).\n\n{service.name}: {service.summary}\n"
    intro += _SERVICE_INTRO
    documents = [_migration_job(service), *_api(service), *_worker(service)]
    return comment_lines(intro) + dump(documents)


def kustomization_resources(services: Sequence[ServiceSpec]) -> str:
    """The generated region of deploy/kustomization.yaml's `resources`: every service's manifest."""
    entries = dump([[f"kubernetes/{service.name}.yaml" for service in services]])
    return "".join(f"  {line}\n" for line in entries.splitlines())
