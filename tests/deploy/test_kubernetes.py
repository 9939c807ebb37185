"""deploy/kubernetes: valid objects by the Kubernetes API's own schemas, consistent with compose and the code.

Schemas: the strict (no unknown field) JSON schemas of the Kubernetes releases that the
`kubernetes-validate` package ships; validated against the oldest release we support and the newest.
"""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest

from shared.config import ServiceSettings
from tests.deploy.manifests import (
    API_PORT,
    DEPLOY,
    KUBERNETES,
    NATS_CLUSTER_CONF,
    PLATFORM_SERVICES,
    STREAMS,
    Resource,
    compose_container,
    kubernetes_resource,
    kubernetes_resources,
    kustomization,
    pod_spec,
    registered,
    service_setting_names,
    setting_names,
)

KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet", "Job")


def workloads() -> list[Resource]:
    return [resource for resource in kubernetes_resources() if resource.kind in WORKLOADS]


def container(workload: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in pod_spec(workload)["containers"] if c["name"] == name]
    return found


def environment_names(workload: dict[str, Any]) -> set[str]:
    """Every variable a workload's containers get: from the ConfigMap, the Secret and their own env."""
    names: set[str] = set()
    for item in pod_spec(workload)["containers"]:
        names |= {variable["name"] for variable in item.get("env", [])}
        for source in item.get("envFrom", []):
            if "configMapRef" in source:
                names |= set(kubernetes_resource("ConfigMap", source["configMapRef"]["name"])["data"])
            if "secretRef" in source:
                names |= set(kubernetes_resource("Secret", source["secretRef"]["name"])["stringData"])
    return names


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("resource", kubernetes_resources(), ids=str)
def test_every_object_is_valid_by_the_kubernetes_api_schema(resource: Resource, version: str) -> None:
    kubernetes_validate.validate(resource.body, version, strict=True)


def test_the_schema_check_rejects_a_misspelled_field() -> None:
    deployment = kubernetes_resource("Deployment", "profiles-api")
    misspelled = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelled, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_api_deployment_runs_the_compose_command_with_readiness_and_liveness_probes(service: str) -> None:
    deployment = kubernetes_resource("Deployment", f"{service}-api")
    api = container(deployment, "api")
    assert api["command"] == compose_container(service, "api")["command"]
    env = {variable["name"]: variable["value"] for variable in api["env"]}
    # Production serves no /metrics on the API port: Prometheus scrapes the metrics port.
    assert api["ports"] == [
        {"name": "http", "containerPort": API_PORT},
        {"name": "metrics", "containerPort": int(env["API_METRICS_PORT"])},
    ]
    assert env["API_METRICS_HOST"] == "0.0.0.0"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == env["API_METRICS_PORT"]
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["resources"]["requests"]["cpu"], "the autoscaler measures CPU against the request"

    service_object = kubernetes_resource("Service", f"{service}-api")
    assert service_object["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    # The gateway's Caddyfile dials <service>-api:8000 in Kubernetes as in compose.
    assert service_object["spec"]["ports"] == [{"name": "http", "port": API_PORT, "targetPort": "http"}]


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_worker_deployment_runs_the_compose_command_and_lives_while_its_metrics_answer(service: str) -> None:
    deployment = kubernetes_resource("Deployment", f"{service}-worker")
    worker = container(deployment, "worker")
    assert worker["command"] == compose_container(service, "worker")["command"]
    env = {variable["name"]: variable["value"] for variable in worker["env"]}
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"
    assert worker["ports"] == [{"name": "metrics", "containerPort": int(env["WORKER_METRICS_PORT"])}]
    assert worker["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == env["WORKER_METRICS_PORT"]


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
@pytest.mark.parametrize("role", ["api", "worker"])
def test_api_and_worker_scale_on_their_own(service: str, role: str) -> None:
    autoscaler = kubernetes_resource("HorizontalPodAutoscaler", f"{service}-{role}")
    target = autoscaler["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", f"{service}-{role}")
    assert 2 <= autoscaler["spec"]["minReplicas"] < autoscaler["spec"]["maxReplicas"]


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_migration_job_runs_the_compose_migration(service: str) -> None:
    job = kubernetes_resource("Job", f"{service}-migrate")
    migrate = container(job, "migrate")
    assert migrate["command"] == compose_container(service, "migrate")["command"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    # Only the database URL, so the Job can run first, before anything else is applied.
    assert migrate["envFrom"] == [{"secretRef": {"name": "mentorship-secrets"}}]


@pytest.mark.parametrize("resource", workloads(), ids=str)
def test_every_variable_a_workload_gets_is_one_of_its_settings(resource: Resource) -> None:
    service = resource.body["metadata"]["labels"].get("app.kubernetes.io/name")
    if service not in PLATFORM_SERVICES:
        assert all("envFrom" not in c for c in pod_spec(resource.body)["containers"])
        return
    if service not in registered():
        pytest.skip(f"{service} is not registered in mentorship/services.py yet")
    assert environment_names(resource.body) - service_setting_names(service) == set()


def test_shared_configuration_holds_only_settings_every_service_has() -> None:
    common = setting_names(ServiceSettings)
    assert set(kubernetes_resource("ConfigMap", "mentorship-config")["data"]) <= common
    secret = kubernetes_resource("Secret", "mentorship-secrets")["stringData"]
    assert "DATABASE_URL" in secret
    assert set(secret) <= common


@pytest.mark.parametrize("resource", workloads(), ids=str)
def test_every_pod_meets_the_restricted_pod_security_standard(resource: Resource) -> None:
    spec = pod_spec(resource.body)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for item in spec["containers"]:
        security = item["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        assert set(security["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}
        assert item["resources"]["limits"]["memory"]


def test_nats_statefulset_is_the_three_node_cluster_of_the_configuration() -> None:
    config = NATS_CLUSTER_CONF.read_text()
    statefulset = kubernetes_resource("StatefulSet", "nats")
    service = kubernetes_resource("Service", "nats")
    assert service["spec"]["clusterIP"] == "None"
    assert statefulset["spec"]["serviceName"] == "nats"
    replicas = statefulset["spec"]["replicas"]
    # Routes name the StatefulSet's pods through its headless Service.
    routes = re.findall(r"nats-route://([a-z0-9.-]+):(\d+)", config)
    assert routes == [(f"nats-{index}.nats", "6222") for index in range(replicas)]
    assert replicas == 3

    nats = container(statefulset, "nats")
    assert nats["args"] == ["nats-server", "--config", "/etc/nats/nats.conf"]
    assert {"name": "SERVER_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in nats["env"]
    mounts = {mount["name"]: mount["mountPath"] for mount in nats["volumeMounts"]}
    assert mounts["config"] == "/etc/nats"
    assert re.search(rf"store_dir: {mounts['data']}/", config)
    pid_file = re.search(r"pid_file: (\S+)", config)
    assert pid_file and pid_file.group(1).startswith(mounts["pid"] + "/")
    assert nats["lifecycle"]["preStop"]["exec"]["command"][-1] == f"ldm={pid_file.group(1)}"
    assert nats["startupProbe"]["httpGet"]["path"] == "/healthz?js-enabled-only=true"
    volumes = {volume["name"]: volume for volume in pod_spec(statefulset)["volumes"]}
    assert volumes["config"]["configMap"]["name"] == "nats-config"


def test_streams_are_replicated_on_every_node_of_the_cluster() -> None:
    import json

    config = kubernetes_resource("ConfigMap", "mentorship-config")["data"]
    replicas = kubernetes_resource("StatefulSet", "nats")["spec"]["replicas"]
    assert config["STREAM_REPLICAS"] == str(replicas)
    for definition in STREAMS.glob("*.json"):
        assert json.loads(definition.read_text())["num_replicas"] == replicas, definition.name


def test_gateway_serves_the_caddyfile_on_the_port_its_service_targets() -> None:
    deployment = kubernetes_resource("Deployment", "gateway")
    caddy = container(deployment, "caddy")
    ports = {port["name"]: port["containerPort"] for port in caddy["ports"]}
    env = {variable["name"]: variable["value"] for variable in caddy["env"]}
    assert env["SITE_ADDRESS"] == f":{ports['http']}"
    assert {"name": "config", "mountPath": "/etc/caddy", "readOnly": True} in caddy["volumeMounts"]
    volumes = {volume["name"]: volume for volume in pod_spec(deployment)["volumes"]}
    assert volumes["config"]["configMap"]["name"] == "gateway-config"
    service = kubernetes_resource("Service", "gateway")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = kubernetes_resource("Ingress", "mentorship")
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"]["name"] == "gateway"


def test_kustomization_applies_every_manifest_but_the_secret_example_and_generates_the_shared_files() -> None:
    document = kustomization()
    manifests = {path.name for path in KUBERNETES.glob("*.yaml")} - {"secret.example.yaml"}
    assert {entry.removeprefix("kubernetes/") for entry in document["resources"]} == manifests
    generated = {}
    for generator in document["configMapGenerator"]:
        ((key, _, source),) = [entry.partition("=") for entry in generator["files"]]
        assert (DEPLOY / source).is_file(), source
        generated[generator["name"]] = key
    assert generated == {"nats-config": "nats.conf", "gateway-config": "Caddyfile"}
    images = {image["name"] for image in document["images"]}
    for resource in workloads():
        for item in pod_spec(resource.body)["containers"]:
            if item["image"].split(":")[0] == "mentorship-platform":
                assert item["image"] in images, str(resource)
