"""The single-process mode for small organizations: every API in one process and every worker in
another, started exactly as `mentorship run --single-process` starts them (mentorship/layouts.py),
over a database and event namespace of their own (their workers must not work on other packages'
rows or streams)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mentorship import layouts
from mentorship.platform_client import PlatformClient
from mentorship.processes import free_port_base, terminate
from mentorship.services import select
from mentorship.single_process import POOL_SIZE, service_settings
from tests.conftest import Platform, delete_streams, migrated_database, new_org, unique_name
from tests.toolkit import eventually

# The API process imports every service and starts its apps one after the other.
START_SECONDS = 180.0


@dataclass(frozen=True)
class SingleProcessPlatform:
    platform: Platform
    port_base: int
    gateway_url: str
    apis: subprocess.Popen[bytes]
    workers: subprocess.Popen[bytes]
    log: Path

    def urls(self) -> dict[str, str]:
        return {spec.name: f"http://127.0.0.1:{spec.api_port(self.port_base)}" for spec in select()}


@pytest.fixture(scope="module")
def single_process(
    platform: Platform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SingleProcessPlatform]:
    """The two processes of the single-process mode; stopped with SIGTERM afterwards, which each
    must obey in order (exit status 0)."""
    folder = tmp_path_factory.mktemp("single-process")
    log = folder / "platform.log"
    base = free_port_base([0, *(spec.api_port(0) for spec in select())])
    gateway_url = f"http://127.0.0.1:{base}"
    with migrated_database(platform.admin_url) as database_url:
        own = dataclasses.replace(platform, database_url=database_url, namespace=unique_name("t"))
        env = {**os.environ, **own.settings_env(), "LOG_LEVEL": "WARNING", "LOG_JSON": "false"}
        apis_process, workers_process = layouts.single_process(
            select(), port_base=base, gateway_url=gateway_url
        )
        started: list[subprocess.Popen[bytes]] = []
        try:
            with log.open("ab") as output:
                for process in (apis_process, workers_process):
                    started.append(
                        subprocess.Popen(
                            list(process.argv),
                            env={**env, **process.env},
                            cwd=folder,  # no .env of the repository's
                            stdout=output,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
            apis, workers = started
            yield SingleProcessPlatform(own, base, gateway_url, apis, workers, log)
            for child in started:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            statuses = [child.wait(timeout=60) for child in started]
            assert statuses == [0, 0], f"exit statuses {statuses}:\n{log.read_text()[-3000:]}"
        finally:
            for child in started:
                terminate(child, timeout=5)
            asyncio.run(delete_streams(own))


@pytest.fixture(scope="module")
async def ready(single_process: SingleProcessPlatform) -> SingleProcessPlatform:
    """Once every API answers /readyz (the APIs import and start one after the other)."""

    async def all_ready() -> bool:
        for name in ("apis", "workers"):
            child = getattr(single_process, name)
            if child.poll() is not None:
                raise AssertionError(f"the {name} process exited:\n{single_process.log.read_text()[-3000:]}")
        async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
            for url in single_process.urls().values():
                try:
                    if (await client.get(f"{url}/readyz")).status_code != 200:
                        return False
                except httpx.TransportError:
                    return False
        return True

    await eventually(all_ready, timeout=START_SECONDS, what="every API of the single process is ready")
    return single_process


async def test_every_service_answers_on_its_own_port_from_one_api_process(
    ready: SingleProcessPlatform,
) -> None:
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        for spec in select():
            url = ready.urls()[spec.name]
            assert (await client.get(f"{url}/healthz")).json() == {"status": "ok"}
            readiness = (await client.get(f"{url}/readyz")).json()
            assert readiness["checks"]["database"] == "ok", (spec.name, readiness)
            document = (await client.get(f"{url}/openapi.json")).json()
            # Its own app, under its own root path (what the gateway and the docs rely on).
            assert document["info"]["title"].lower() == spec.name, (spec.name, document["info"]["title"])
            assert document["servers"] == [{"url": f"/{spec.name}"}], (spec.name, document.get("servers"))
    # Both processes are the whole platform: nothing else was started.
    assert ready.apis.poll() is None and ready.workers.poll() is None


def _person(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": "Europe/Berlin",
        "languages": ["en"],
        "availability": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
        **fields,
    }


async def test_a_person_created_in_profiles_reaches_matching_through_the_worker_process(
    ready: SingleProcessPlatform,
) -> None:
    async with PlatformClient.connect(ready.urls(), organization=new_org()) as client:
        mentor = await client.create_person(
            _person(
                "Ada",
                seniority="staff",
                skills=[{"skill": "pytorch", "level": 5}, {"skill": "nlp", "level": 4}],
                guidance=["technical"],
                mentor_capacity=2,
            )
        )
        mentee = await client.create_person(
            _person(
                "Lin",
                seniority="junior",
                learning_interests=[{"skill": "pytorch", "target_level": 4}],
                guidance=["technical"],
            )
        )
        today = date.today()
        program = await client.create_program(
            {
                "name": "AI onboarding",
                "objective": "onboarding",
                "matching_mode": "admin_approved",
                "status": "active",
                "cohort_start": today.isoformat(),
                "cohort_end": (today + timedelta(days=90)).isoformat(),
                "session_length_minutes": 60,
                "session_cadence": "biweekly",
            }
        )
        await client.enroll(program["id"], mentor["id"], "mentor")
        await client.enroll(program["id"], mentee["id"], "mentee")

        async def suggested() -> list[dict[str, Any]] | None:
            # Profiles' relay (worker process) -> NATS -> matching's consumer (worker process) ->
            # matching's read model -> matching's API (API process).
            try:
                return await client.suggestions(program["id"], mentee["id"]) or None
            except Exception:
                return None

        suggestions = await eventually(suggested, timeout=60, what="matching suggests the mentor")
        assert [item["mentor_id"] for item in suggestions] == [mentor["id"]]


def test_settings_for_one_service_override_the_shared_ones_in_its_service_alone() -> None:
    environ = {
        "ENVIRONMENT": "test",
        "PUBLIC_BASE_URL": "http://shared.example",
        "PROFILES__PUBLIC_BASE_URL": "http://gateway.example/profiles",
        "SCHEDULING__FEED_HISTORY_DAYS": "7",
        "API_METRICS_PORT": "9200",
        "WORKER_METRICS_PORT": "9100",
    }
    profiles = service_settings("profiles", environ=environ)
    scheduling = service_settings("scheduling", environ=environ)
    assert profiles.public_base_url == "http://gateway.example/profiles"  # type: ignore[attr-defined]
    assert scheduling.public_base_url == "http://shared.example"  # type: ignore[attr-defined]
    assert scheduling.feed_history_days == 7  # type: ignore[attr-defined]
    # One metrics port per process, not per service (ten would collide).
    assert (profiles.api_metrics_port, profiles.worker_metrics_port) == (None, None)
    # The shared process keeps each service's pool small unless told otherwise.
    assert profiles.database_pool_size == POOL_SIZE
    assert (
        service_settings("profiles", environ={**environ, "DATABASE_POOL_SIZE": "8"}).database_pool_size == 8
    )
    assert (
        service_settings(
            "profiles", environ={**environ, "PROFILES__DATABASE_POOL_SIZE": "5"}
        ).database_pool_size
        == 5
    )
    # Reading them leaves the process's own environment as it was.
    assert "PROFILES__PUBLIC_BASE_URL" not in os.environ


def test_an_unknown_service_is_refused_before_anything_starts() -> None:
    result = subprocess.run(
        [
            *layouts.single_process(select(["portal"]), port_base=0, gateway_url="")[0].argv[:4],
            "--services",
            "nope",
        ],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"unknown service(s): nope" in result.stderr
