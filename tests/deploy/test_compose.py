"""docker-compose.yml: valid by the compose specification, and naming only what exists in the code.

No Docker engine runs here, so the file is checked statically: against the specification's schema,
and against the service registry, the entry points, the settings and the gateway's routes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared.config import ServiceSettings
from tests.deploy.manifests import (
    API_PORT,
    COMPOSE_FILE,
    PLATFORM_SERVICES,
    ROOT,
    compose,
    compose_container,
    compose_services,
    compose_variables,
    env_example,
    module_exists,
    platform_containers,
    registered,
    service_setting_names,
    setting_names,
)


def require_registered(service: str) -> None:
    if service not in registered():
        pytest.skip(f"{service} is not registered in mentorship/services.py yet")


def test_compose_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_an_api_a_worker_and_a_migration_of_every_platform_service_and_nothing_else() -> None:
    containers = platform_containers()
    expected = {f"{service}-{role}" for service in PLATFORM_SERVICES for role in ("api", "worker", "migrate")}
    assert set(containers) == expected
    assert set(compose_services()) - expected == {"postgres", "nats", "gateway"}


def test_every_registered_service_is_deployed_by_compose() -> None:
    deployed = {service for service, _ in platform_containers().values()}
    assert set(registered()) <= deployed


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_api_container_runs_the_registered_app_factory_on_the_registered_port(service: str) -> None:
    require_registered(service)
    spec = registered()[service]
    api = compose_container(service, "api")
    command = api["command"]
    assert command[:3] == ["uvicorn", "--factory", spec.app]
    assert module_exists(spec.app.partition(":")[0])
    assert command[command.index("--port") + 1] == str(API_PORT)
    # Behind the gateway under /<service>: the docs and OpenAPI `servers` must point through the prefix.
    assert command[command.index("--root-path") + 1] == f"/{service}"
    # Published on the host, on loopback only, at the port `mentorship run` uses too.
    assert api["ports"] == [f"127.0.0.1:{spec.port}:{API_PORT}"]
    assert f"http://127.0.0.1:{API_PORT}/readyz" in " ".join(api["healthcheck"]["test"])


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_worker_container_runs_the_registered_worker_module(service: str) -> None:
    require_registered(service)
    spec = registered()[service]
    worker = compose_container(service, "worker")
    assert worker["command"] == ["python", "-m", spec.worker]
    assert module_exists(spec.worker)
    port = worker["environment"]["WORKER_METRICS_PORT"]
    assert f"http://127.0.0.1:{port}/metrics" in " ".join(worker["healthcheck"]["test"])


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_migration_runs_once_before_the_api_and_the_worker_start(service: str) -> None:
    require_registered(service)
    migrate = compose_container(service, "migrate")
    assert migrate["command"] == ["mentorship", "migrate", service]
    assert (ROOT / "services" / service / "migrations" / "env.py").is_file()
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("api", "worker"):
        depends_on = compose_container(service, role)["depends_on"]
        assert depends_on[f"{service}-migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["nats"]["condition"] == "service_healthy"


def test_the_operator_cli_the_migrations_use_is_installed_by_the_project() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["mentorship"] == "mentorship.cli:app"


@pytest.mark.parametrize("name", sorted(platform_containers()))
def test_every_environment_variable_of_a_service_container_is_one_of_its_settings(name: str) -> None:
    service, _ = platform_containers()[name]
    require_registered(service)
    names = set(compose_services()[name]["environment"])
    assert names - service_setting_names(service) == set()


def test_every_variable_of_the_env_example_is_a_setting_or_a_compose_variable() -> None:
    settings = setting_names(ServiceSettings).union(
        *(service_setting_names(service) for service in registered())
    )
    unknown = set(env_example()) - settings - set(compose_variables())
    assert unknown == set(), "neither a setting of a registered service nor used by docker-compose.yml"


def test_every_variable_compose_requires_is_in_the_env_example() -> None:
    required = {name for name, is_required in compose_variables().items() if is_required}
    assert required
    assert required <= set(env_example())


def test_secrets_come_from_the_env_file_and_production_is_the_default() -> None:
    example = env_example()
    assert example["ENVIRONMENT"] == "production"
    # Left empty on purpose: compose, or the settings in production, refuse to start until they are set.
    for secret in ("POSTGRES_PASSWORD", "JWT_SECRET", "SECRET_ENCRYPTION_KEYS"):
        assert example[secret] == ""
    for name in platform_containers():
        assert compose_services()[name]["env_file"] == ".env", name
    gitignore = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in gitignore


def test_every_platform_container_uses_the_one_image_built_from_the_repository() -> None:
    for name in platform_containers():
        container = compose_services()[name]
        assert container["image"] == "${MENTORSHIP_IMAGE:-mentorship-platform:local}", name
        assert container["build"] == {"context": "."}, name


def test_long_running_containers_restart_and_report_their_health() -> None:
    for name, container in compose_services().items():
        if name.endswith("-migrate"):
            continue
        assert container["restart"] == "unless-stopped", name
        assert container["healthcheck"]["test"], name


def test_postgres_and_nats_keep_their_data_in_volumes_and_report_readiness() -> None:
    services = compose_services()
    volumes = set(compose()["volumes"])
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(mount.split(":")[0] in volumes for mount in postgres["volumes"])
    assert int(postgres["image"].rsplit(":", 1)[1].split("-")[0].rstrip("}")) >= 16

    nats = services["nats"]
    command = nats["command"]
    assert "--jetstream" in command
    store = command[command.index("--store_dir") + 1]
    assert f"nats-data:{store}" in nats["volumes"]
    monitor = command[command.index("--http_port") + 1]
    assert f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true" in nats["healthcheck"]["test"]


def test_the_gateway_is_the_only_public_port_and_serves_the_caddyfile() -> None:
    gateway = compose_services()["gateway"]
    assert gateway["ports"] == ["${PUBLIC_PORT:-8080}:8080"]
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in gateway["volumes"]
    for name, container in compose_services().items():
        for port in container.get("ports", []):
            assert name == "gateway" or port.startswith("127.0.0.1:"), f"{name} publishes {port} publicly"
