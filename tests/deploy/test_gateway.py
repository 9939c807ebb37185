"""The gateway (deploy/caddy/Caddyfile): every API and its docs behind one port, under /<service>/.

Checked with the real Caddy (pip-installed binary): the file validates, routes every service, and
serves real APIs, started with the exact commands docker-compose.yml gives them, under their prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

from mentorship.processes import LOCALHOST, child_preexec, free_port, terminate, wait_for_port
from tests.conftest import Platform
from tests.deploy.manifests import API_PORT, CADDYFILE, PLATFORM_SERVICES, compose_container, registered

CADDY = Path(sys.executable).parent / "caddy"


def caddy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CADDY), *args], capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


def adapted() -> dict[str, Any]:
    """The Caddyfile as Caddy's own JSON configuration."""
    result = caddy("adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile")
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def proxied_prefixes(config: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Path pattern -> (prefix stripped, upstreams), for every route that proxies."""
    found = {}
    for server in config["apps"]["http"]["servers"].values():
        for route in server["routes"]:
            for match in route.get("match", []):
                for path in match.get("path", []):
                    strip, upstreams = "", []
                    for step in route["handle"][0].get("routes", []):
                        for handler in step["handle"]:
                            strip = handler.get("strip_path_prefix", strip)
                            upstreams += [u["dial"] for u in handler.get("upstreams", [])]
                    if upstreams:
                        found[path] = (strip, upstreams)
    return found


def test_caddyfile_is_a_valid_caddy_configuration() -> None:
    result = caddy("validate", "--config", str(CADDYFILE), "--adapter", "caddyfile")
    assert result.returncode == 0, result.stderr


def test_every_service_is_routed_to_its_api_with_the_prefix_stripped() -> None:
    routes = proxied_prefixes(adapted())
    assert routes == {
        f"/{service}/*": (f"/{service}", [f"{service}-api:{API_PORT}"]) for service in PLATFORM_SERVICES
    }


def test_the_gateway_listens_where_compose_publishes_it() -> None:
    servers = adapted()["apps"]["http"]["servers"]
    listens = sorted(address for server in servers.values() for address in server["listen"])
    assert listens == [":8080", ":8081"]


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            terminate(process, timeout=10)


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=child_preexec(),
        )


def api_argv(service: str, port: int) -> list[str]:
    """The API command of docker-compose.yml, on a loopback port of this machine."""
    command = list(compose_container(service, "api")["command"])
    command[command.index("--host") + 1] = LOCALHOST
    command[command.index("--port") + 1] = str(port)
    assert command[0] == "uvicorn"
    return [sys.executable, "-m", *command]


def loopback_caddyfile(scratch: Path, health_port: int) -> Path:
    """The Caddyfile bound to loopback only, with its health port moved to a free one."""
    text = CADDYFILE.read_text()
    for old, new in {
        "\tadmin off\n": "\tadmin off\n\tdefault_bind 127.0.0.1\n",
        "\n:8081 {\n": f"\n:{health_port} {{\n",
    }.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = scratch / "Caddyfile"
    path.write_text(text)
    return path


def logs_of(scratch: Path) -> dict[str, str]:
    return {log.name: log.read_text(errors="replace")[-2000:] for log in scratch.glob("*.log")}


@contextlib.asynccontextmanager
async def gateway_before_apis(platform: Platform, scratch: Path) -> AsyncIterator[str]:
    """Every registered API (its compose command) behind Caddy (the Caddyfile); yields the gateway's URL."""
    service_env = {
        **os.environ,
        **platform.settings_env(),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    gateway_port, health_port = free_port(), free_port()
    gateway_env = {
        **os.environ,
        "SITE_ADDRESS": f"http://{LOCALHOST}:{gateway_port}",
        "HOME": str(scratch),
        "XDG_DATA_HOME": str(scratch / "data"),
        "XDG_CONFIG_HOME": str(scratch / "config"),
    }
    with processes() as started:
        apis = {}
        for service in registered():
            port = free_port()
            apis[service] = port
            gateway_env[f"{service.upper()}_API"] = f"{LOCALHOST}:{port}"
            started.append(spawn(api_argv(service, port), service_env, scratch / f"{service}.log"))
        config = loopback_caddyfile(scratch, health_port)
        argv = [str(CADDY), "run", "--config", str(config), "--adapter", "caddyfile"]
        started.append(spawn(argv, gateway_env, scratch / "caddy.log"))
        ports = [*apis.values(), gateway_port, health_port]
        for port in ports:
            up = await asyncio.to_thread(wait_for_port, LOCALHOST, port, timeout=90)
            if not up:
                raise AssertionError(f"port {port} not listening:\n{logs_of(scratch)}")
        yield f"http://{LOCALHOST}:{gateway_port}"


async def test_every_api_and_its_docs_are_served_behind_one_port_under_its_prefix(
    platform: Platform, tmp_path: Path
) -> None:
    async with gateway_before_apis(platform, tmp_path) as url, httpx.AsyncClient(base_url=url) as client:
        index = await client.get("/")
        assert index.status_code == 200
        for service in registered():
            assert f"/{service}/docs" in index.text

            assert (await client.get(f"/{service}/healthz")).json() == {"status": "ok"}
            ready = await client.get(f"/{service}/readyz")
            assert ready.status_code == 200, ready.text

            document = (await client.get(f"/{service}/openapi.json")).json()
            # "Try it out" in the docs calls back through the gateway.
            assert document["servers"] == [{"url": f"/{service}"}]
            docs = await client.get(f"/{service}/docs")
            assert docs.status_code == 200
            assert f"'/{service}/openapi.json'" in docs.text or f'"/{service}/openapi.json"' in docs.text

            # An API route through the prefix: no token, so a problem document from the service itself.
            path = next(
                p
                for p, operations in document["paths"].items()
                if p.startswith("/v1/") and "{" not in p and "get" in operations
            )
            unauthorized = await client.get(f"/{service}{path}")
            assert unauthorized.status_code == 401, (path, unauthorized.text)
            assert unauthorized.headers["content-type"].startswith("application/problem+json")

            bare = await client.get(f"/{service}")
            assert bare.status_code == 302
            assert bare.headers["location"] == f"/{service}/docs"

        assert (await client.get("/nowhere")).status_code == 404
