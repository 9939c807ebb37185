"""The guards every API has before its routes: body limits and authentication before the body is
read, rate limits, security headers, metrics placement, readiness on the database alone, 503 when
the database is down, methods in `Allow`, and the bearer scheme in the OpenAPI document."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel

from shared.app import create_service_app
from shared.auth import CurrentPrincipal, mint_dev_token
from shared.config import ServiceSettings
from shared.dependencies import Reader
from tests.conftest import Platform

router = APIRouter(prefix="/v1")
bodies_read: list[int] = []


class Note(BaseModel):
    text: str


@router.post("/notes")
async def add_note(note: Note, caller: CurrentPrincipal) -> dict[str, int]:
    bodies_read.append(len(note.text))
    return {"length": len(note.text)}


@router.post("/imports")
async def add_import(request: Request, caller: CurrentPrincipal) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.post("/unsubscribe")
async def unsubscribe(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/things/{thing_id}")
async def get_thing(thing_id: str, caller: CurrentPrincipal) -> dict[str, str]:
    return {"id": thing_id}


@router.put("/things/{thing_id}")
async def put_thing(thing_id: str, caller: CurrentPrincipal) -> dict[str, str]:
    return {"id": thing_id}


@router.get("/count")
async def count(db: Reader, caller: CurrentPrincipal) -> dict[str, int]:
    from sqlalchemy import text

    return {"one": int(await db.scalar(text("SELECT 1")) or 0)}


def settings_for(platform: Platform, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "guards",
        "database_url": platform.database_url,
        "nats_url": platform.nats_url,
        "environment": "test",
        "log_json": False,
        "log_level": "WARNING",
        "max_body_bytes": 4096,
        **overrides,
    }
    return ServiceSettings(**values)


async def serve(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings=settings,
        title="guards",
        description="test",
        routers=[router],
        body_limits={"/v1/imports": 100_000},
        public_paths=[r"/v1/unsubscribe"],
        expensive_paths=[r"PUT /v1/things/.*"],
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("10.1.2.3", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://guards") as client:
            yield client


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async for c in serve(settings_for(platform)):
        yield c


def token(org: str = "org-a", sub: str | None = None) -> dict[str, str]:
    value = mint_dev_token(subject=sub or str(uuid.uuid4()), organization=org, roles=["admin"])
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture(autouse=True)
def _reset_bodies() -> Iterator[None]:
    bodies_read.clear()
    yield


async def test_a_body_without_a_token_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/notes", json={"text": "x" * 3000})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert bodies_read == []
    forged = await client.post(
        "/v1/notes", json={"text": "hi"}, headers={"Authorization": "Bearer not.a.token"}
    )
    assert forged.status_code == 401 and bodies_read == []


async def test_a_body_over_the_limit_is_a_413_problem_declared_or_streamed(client: httpx.AsyncClient) -> None:
    declared = await client.post("/v1/notes", json={"text": "x" * 10_000}, headers=token())
    assert declared.status_code == 413
    assert declared.json()["type"] == "/problems/payload-too-large"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    streamed = await client.post("/v1/imports", content=chunks(), headers=token())
    assert streamed.status_code == 200  # the import route has its own, larger limit
    too_much = await client.post(
        "/v1/notes", content=b'{"text": "' + b"x" * 8000 + b'"}', headers={**token(), "content-length": "12"}
    )
    assert too_much.status_code in (400, 413, 422)
    assert bodies_read == []


async def test_a_public_route_takes_a_body_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/unsubscribe", content=b"List-Unsubscribe=One-Click")
    assert response.status_code == 200


async def test_bad_tokens_are_limited_per_client_and_then_refused_cheaply(platform: Platform) -> None:
    async for client in serve(settings_for(platform, rate_limit_bad_tokens="3/minute")):
        known = token()
        assert (await client.get("/v1/things/1", headers=known)).status_code == 200
        statuses = [
            (await client.get("/v1/things/1", headers={"Authorization": f"Bearer forged{i}"})).status_code
            for i in range(5)
        ]
        assert statuses == [401, 401, 401, 429, 429]
        refused = await client.get("/v1/things/1", headers={"Authorization": "Bearer forged9"})
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["type"] == "/problems/too-many-requests"
        # A token already known to be valid is still served: the budget is for failures.
        assert (await client.get("/v1/things/1", headers=known)).status_code == 200


async def test_each_token_has_its_own_budget_and_expensive_routes_cost_more(platform: Platform) -> None:
    async for client in serve(settings_for(platform, rate_limit_per_token="40/minute")):
        mine, theirs = token(sub="me"), token(sub="them")
        statuses = [(await client.put("/v1/things/1", headers=mine)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]  # 20 units each
        assert (await client.get("/v1/things/1", headers=theirs)).status_code == 200


async def test_anonymous_bursts_are_limited_but_probes_never_are(platform: Platform) -> None:
    async for client in serve(settings_for(platform, rate_limit_anonymous="5/minute")):
        statuses = [(await client.get("/v1/things/1")).status_code for _ in range(7)]
        assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
        probes = [(await client.get("/healthz")).status_code for _ in range(10)]
        assert probes == [200] * 10


async def test_every_response_forbids_sniffing_and_scripts(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/v1/things/1", headers=token()), await client.get("/v1/nothing")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]
    docs = await client.get("/docs")
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/things/1", headers=token())
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT"}


async def test_the_openapi_document_declares_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["HTTPBearer"]["description"],
    }
    assert document["paths"]["/v1/things/{thing_id}"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in document["paths"]["/v1/unsubscribe"]["post"]


async def test_metrics_stay_off_the_api_port_in_production(platform: Platform) -> None:
    production = settings_for(platform, environment="production", jwt_secret="s" * 40)
    async for client in serve(production):
        assert (await client.get("/metrics")).status_code == 404
    async for client in serve(settings_for(platform)):
        assert (await client.get("/metrics")).status_code == 200


async def test_tokens_with_unusable_identities_are_401_not_500(client: httpx.AsyncClient) -> None:
    for organization in ("org\x00x", "o" * 101):
        response = await client.get("/v1/things/1", headers=token(org=organization))
        assert response.status_code == 401, organization


async def test_a_database_outage_is_a_503_with_retry_after_and_readiness_follows_it(
    platform: Platform,
) -> None:
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    async for client in serve(settings_for(platform, database_url=unreachable)):
        response = await client.get("/v1/count", headers=token())
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["type"] == "/problems/unavailable"
        assert (await client.get("/readyz")).status_code == 503


async def test_readiness_needs_the_database_not_nats(platform: Platform) -> None:
    async for client in serve(settings_for(platform, nats_url="nats://127.0.0.1:1")):
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "nats": "unavailable"}


async def test_a_control_character_in_any_query_parameter_is_a_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/things/1?label=ok&q=a%00b", headers=token())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.q"


@router.post("/raw-text")
async def store_raw_text(note: Note, db: Reader, caller: CurrentPrincipal) -> dict[str, str]:
    from sqlalchemy import text

    # A route that forgot the shared text type: PostgreSQL refuses the NUL byte itself.
    return {"echo": str(await db.scalar(text("SELECT CAST(:value AS text)"), {"value": note.text}))}


async def test_a_value_the_database_refuses_is_a_4xx_never_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/raw-text", json={"text": "a\u0000b"}, headers=token())
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"
