"""The typed clients in clients/ are what `make clients` makes of the services' OpenAPI documents today,
and they work: the Python client calls a real API and raises a typed RFC 9457 problem on an error."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mentorship import clients
from shared.auth import mint_dev_token
from tests.conftest import Platform, new_org, service_client

PYTHON_CLIENT = clients.CLIENTS / "python"


@pytest.mark.skipif(shutil.which("node") is None, reason="the TypeScript client is generated with Node")
def test_the_committed_clients_are_what_make_clients_generates() -> None:
    assert clients.stale() == [], "run `make clients` and commit clients/"


def test_every_registered_service_has_its_typed_client() -> None:
    from mentorship.services import names

    index = (clients.CLIENTS / "typescript" / "src" / "index.ts").read_text()
    for name in names():
        assert (clients.CLIENTS / "openapi" / f"{name}.json").is_file()
        assert f'    {name}: service<{name}.paths>(options, "{name}"),' in index
        assert (PYTHON_CLIENT / "mentorship_client" / name / "models.py").is_file()


@pytest.fixture
def python_client() -> Iterator[None]:
    sys.path.insert(0, str(PYTHON_CLIENT))
    try:
        yield
    finally:
        sys.path.remove(str(PYTHON_CLIENT))
        for module in [
            m for m in sys.modules if m == "mentorship_client" or m.startswith("mentorship_client.")
        ]:
            del sys.modules[module]


async def test_the_python_client_returns_models_and_raises_typed_problems(
    platform: Platform, python_client: None
) -> None:
    from mentorship_client import Platform as Api
    from mentorship_client import ProblemError
    from mentorship_client.profiles import models

    organization = new_org()
    token = mint_dev_token(subject="admin-1", organization=organization, roles=["admin"])
    async with service_client("profiles", platform) as profiles:
        transport = profiles._transport  # the API in-process, as if behind the gateway at /profiles
        http = httpx.AsyncClient(transport=_Prefixless(transport), base_url="http://gateway")
        async with Api("http://gateway", token=token, client=http) as api:
            created = await api.profiles.create_person(
                body={
                    "email": "ada@example.com",
                    "name": "Ada",
                    "time_zone": "Europe/London",
                    "languages": ["en"],
                }
            )
            assert isinstance(created, models.Person) and created.name == "Ada"
            with pytest.raises(ProblemError) as refused:
                await api.profiles.create_person(
                    body={
                        "email": "x@example.com",
                        "name": "X",
                        "time_zone": "Mars/Olympus",
                        "languages": ["en"],
                    }
                )
            assert refused.value.problem.status == 422
            assert refused.value.problem.type == "/problems/validation-error"
            assert any(error.field == "body.time_zone" for error in refused.value.problem.errors)
            with pytest.raises(ProblemError) as missing:
                await api.profiles.get_person("00000000-0000-4000-8000-000000000000")
            assert missing.value.problem.status == 404


class _Prefixless(httpx.AsyncBaseTransport):
    """Strips the gateway's /<service> prefix, as Caddy's handle_path does."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        stripped = "/" + path.lstrip("/").partition("/")[2]
        request.url = request.url.copy_with(path=stripped)
        return await self.inner.handle_async_request(request)


def test_generated_files_are_listed_relative_to_clients(tmp_path: Path) -> None:
    (tmp_path / "openapi").mkdir()
    (tmp_path / "openapi" / "x.json").write_text("{}")
    assert clients.generated_files(tmp_path) == ["openapi/x.json"]
