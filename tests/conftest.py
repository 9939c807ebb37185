"""Test platform: real PostgreSQL and NATS, isolated per run.

With DATABASE_URL / NATS_URL set, tests use those servers; otherwise they start embedded ones
(pip-installed binaries) in a temporary folder. Each run gets its own database and its own event
namespace (stream names and subjects), so two runs at once never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from mentorship.databases import create_database, drop_database
from mentorship.embedded import EmbeddedNats, EmbeddedPostgres
from mentorship.services import SERVICES
from shared.auth import mint_dev_token
from shared.config import ServiceSettings, async_database_url
from shared.migrations import upgrade
from shared.streams import delete_namespace_streams


@dataclass(frozen=True)
class Platform:
    """Where this test run's database and NATS are, and its event namespace."""

    admin_url: str
    database_url: str
    nats_url: str
    namespace: str

    def settings_env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "NATS_URL": self.nats_url,
            "EVENT_NAMESPACE": self.namespace,
            "ENVIRONMENT": "test",
        }


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[str, str]]:
    """(postgres admin URL, NATS URL): from the environment, or embedded servers for this run."""
    with tempfile.TemporaryDirectory(prefix="mentorship-test-") as scratch:
        postgres = (
            None if os.environ.get("DATABASE_URL") else EmbeddedPostgres(Path(scratch) / "pg", durable=False)
        )
        nats_server = None if os.environ.get("NATS_URL") else EmbeddedNats(Path(scratch) / "nats")
        try:
            admin_url = postgres.start() if postgres else os.environ["DATABASE_URL"]
            nats_url = nats_server.start() if nats_server else os.environ["NATS_URL"]
            yield admin_url.replace("postgresql+asyncpg://", "postgresql://"), nats_url
        finally:
            if nats_server:
                nats_server.stop()
            if postgres:
                postgres.stop()


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def migrated_database(admin_url: str) -> Iterator[str]:
    """A new database with every registered service's migrations applied (its async URL), dropped
    afterwards."""
    name = unique_name("mt_")
    url = create_database(admin_url, name)
    try:
        for service in SERVICES:
            upgrade(service.name, url)
        yield async_database_url(url)
    finally:
        drop_database(admin_url, name)


@pytest.fixture(scope="session")
def platform(servers: tuple[str, str]) -> Iterator[Platform]:
    """A fresh database with every service's migrations applied, and a fresh event namespace."""
    admin_url, nats_url = servers
    with migrated_database(admin_url) as database_url:
        yield Platform(
            admin_url=admin_url, database_url=database_url, nats_url=nats_url, namespace=unique_name("t")
        )


async def delete_streams(platform: Platform) -> None:
    """Remove the streams of `platform`'s event namespace from a shared NATS server."""
    await delete_namespace_streams(platform.nats_url, platform.namespace)


@pytest.fixture(scope="session", autouse=True)
async def _delete_streams(platform: Platform) -> AsyncIterator[None]:
    """Remove this run's streams from a shared NATS server at the end."""
    yield
    await delete_streams(platform)


@contextlib.asynccontextmanager
async def own_namespace(platform: Platform, suffix: str) -> AsyncIterator[Platform]:
    """This run's servers and database with an event namespace of a test package's own, for a
    worker that reads every publisher's stream from its start: in the run's shared namespace it
    would first meet every event the other packages published (and their services' audit
    entries), and the package's "nothing more will happen" checks would wait behind them."""
    own = dataclasses.replace(platform, namespace=f"{platform.namespace}{suffix}")
    try:
        yield own
    finally:
        await delete_streams(own)


@pytest.fixture
def fresh_database(servers: tuple[str, str]) -> Iterator[Callable[[], str]]:
    """Factory of extra migrated databases (for tests that need their own), dropped afterwards."""
    admin_url, _ = servers
    with contextlib.ExitStack() as databases:
        yield lambda: databases.enter_context(migrated_database(admin_url))


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test alone, which it may stop, kill and restart."""
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def auth() -> AuthHeaders:
    """`auth(org, sub, *roles, ttl_seconds=3600)` -> an Authorization header with a development token."""

    def headers(organization: str, subject: str, *roles: str, ttl_seconds: int = 3600) -> dict[str, str]:
        token = mint_dev_token(
            subject=subject, organization=organization, roles=list(roles), ttl_seconds=ttl_seconds
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


def service_settings(service: str, platform: Platform, **overrides: object) -> ServiceSettings:
    """The settings of `service` (the ServiceSettings subclass in `<service>.config`) for this run."""
    module = importlib.import_module(f"{service}.config")
    settings_class = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    )
    values: dict[str, object] = {
        "database_url": platform.database_url,
        "nats_url": platform.nats_url,
        "event_namespace": platform.namespace,
        "environment": "test",
        "log_json": False,
        "log_level": "WARNING",
        "relay_poll_seconds": 0.2,
        # Many services run at once in one test process: keep each one's pool small.
        "database_pool_size": 4,
    }
    values.update(overrides)
    return settings_class(**values)  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def service_client(
    service: str, platform: Platform, **overrides: object
) -> AsyncIterator[httpx.AsyncClient]:
    """`service`'s API in-process (ASGI) with its lifespan running: `<service>.main.create_app(settings)`."""
    main = importlib.import_module(f"{service}.main")
    app: FastAPI = main.create_app(service_settings(service, platform, **overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{service}") as client:
            yield client


@contextlib.asynccontextmanager
async def running_workers(platform: Platform, *services: str, **overrides: object) -> AsyncIterator[None]:
    """Run each service's worker (relay and consumers: `<service>.worker.run(settings, stop)`) as tasks."""
    stop = asyncio.Event()
    tasks = []
    for service in services:
        worker = importlib.import_module(f"{service}.worker")
        tasks.append(asyncio.create_task(worker.run(service_settings(service, platform, **overrides), stop)))
    try:
        yield
    finally:
        stop.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=30)
        for result in results:
            if isinstance(result, BaseException):
                raise result


@pytest.fixture(scope="session")
async def profiles_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The profiles API in-process, against this run's servers."""
    async with service_client("profiles", platform) as client:
        yield client


def new_org() -> str:
    """A fresh organization id: tests isolate their data by organization."""
    return f"org-{uuid.uuid4().hex[:12]}"
