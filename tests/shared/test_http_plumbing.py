"""What every service's HTTP surface guarantees: problems, auth, health, readiness, metrics, tracing."""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import jwt
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError

from mentorship.embedded import EmbeddedNats
from shared.app import create_service_app
from shared.auth import CurrentPrincipal, Role, mint_dev_token, require_roles
from shared.config import DEV_JWT_SECRET, ServiceSettings
from shared.pagination import after_time_cursor, decode_cursor, encode_cursor, time_cursor
from tests.conftest import Platform
from tests.toolkit import eventually


class Greeting(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    times: int = Field(ge=1, le=3)


router = APIRouter(prefix="/v1")


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "subject": principal.subject,
        "organization": principal.organization,
        "roles": sorted(principal.roles),
    }


@router.post("/greetings", dependencies=[require_roles(Role.ADMIN)])
async def greet(greeting: Greeting) -> dict[str, str]:
    return {"text": " ".join([f"hello {greeting.name}"] * greeting.times)}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


def settings_for(platform: Platform, nats_url: str | None = None) -> ServiceSettings:
    return ServiceSettings(
        service_name="plumbing",
        database_url=platform.database_url,
        nats_url=nats_url or platform.nats_url,
        environment="test",
        log_json=False,
        log_level="WARNING",
    )


async def serve(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(settings=settings, title="plumbing", description="test", routers=[router])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://plumbing") as client:
            yield client


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async for c in serve(settings_for(platform)):
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "person-1",
        "org": "org-a",
        "roles": ["admin"],
        "iss": "mentorship-dev",
        "aud": "mentorship",
        "iat": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return base


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("/problems/")
    assert body["title"]
    return body


async def test_valid_development_token_identifies_the_caller(client: httpx.AsyncClient) -> None:
    token = mint_dev_token(subject="p-9", organization="org-z", roles=["mentor", "bogus"])
    response = await client.get("/v1/whoami", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"subject": "p-9", "organization": "org-z", "roles": ["mentor"]}


@pytest.mark.parametrize(
    ("case", "token"),
    [
        (
            "expired",
            lambda: jwt.encode(claims(exp=int(time.time()) - 3600), DEV_JWT_SECRET, algorithm="HS256"),
        ),
        (
            "wrong signature",
            lambda: jwt.encode(claims(), "another-secret-of-enough-length!!", algorithm="HS256"),
        ),
        ("alg none", lambda: jwt.encode(claims(), None, algorithm="none")),  # type: ignore[arg-type]
        ("wrong audience", lambda: jwt.encode(claims(aud="another-api"), DEV_JWT_SECRET, algorithm="HS256")),
        ("wrong issuer", lambda: jwt.encode(claims(iss="someone-else"), DEV_JWT_SECRET, algorithm="HS256")),
        ("no organization", lambda: jwt.encode(claims(org=None), DEV_JWT_SECRET, algorithm="HS256")),
        ("not a jwt", lambda: "garbage.token.here"),
    ],
)
async def test_bad_tokens_get_401_problem(client: httpx.AsyncClient, case: str, token: object) -> None:
    response = await client.get("/v1/whoami", headers=bearer(token()))  # type: ignore[operator]
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer"), case
    assert body["type"] == "/problems/unauthorized"


async def test_missing_token_gets_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/whoami"), 401)
    assert_problem(await client.get("/v1/whoami", headers={"Authorization": "Basic abc"}), 401)


async def test_role_required_gets_403_for_others(client: httpx.AsyncClient) -> None:
    token = mint_dev_token(subject="p-1", organization="org-a", roles=["mentee"])
    body = assert_problem(
        await client.post("/v1/greetings", json={"name": "x", "times": 1}, headers=bearer(token)), 403
    )
    assert "admin" in str(body["detail"])


async def test_validation_errors_list_each_offending_field(client: httpx.AsyncClient) -> None:
    token = mint_dev_token(subject="p-1", organization="org-a", roles=["admin"])
    response = await client.post("/v1/greetings", json={"name": "", "times": 9}, headers=bearer(token))
    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}  # type: ignore[union-attr]
    assert fields == {"body.name", "body.times"}
    malformed = await client.post(
        "/v1/greetings", content=b"{not json", headers={**bearer(token), "content-type": "application/json"}
    )
    assert_problem(malformed, 422)


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/nothing-here"), 404)
    assert_problem(await client.delete("/healthz"), 405)


async def test_unexpected_error_is_a_500_problem_without_internals(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/boom"), 500)
    assert "a bug" not in str(body)


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    for _ in range(50):
        ready = await client.get("/readyz")
        if ready.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "nats": "ok"}}
    metrics = await client.get("/metrics")
    assert 'http_requests_total{method="GET",route="/readyz",service="plumbing",status="200"}' in metrics.text


async def test_an_api_stays_ready_through_a_nats_outage_and_reports_it(
    platform: Platform, own_nats: EmbeddedNats
) -> None:
    # Writes go through the outbox, so a NATS outage must not take the API out of service.
    async for client in serve(settings_for(platform, own_nats.url)):
        await eventually(functools.partial(_nats_is, client, "ok"), timeout=5)
        own_nats.stop()
        response = await eventually(functools.partial(_nats_is, client, "unavailable"), timeout=5)
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "nats": "unavailable"}
        own_nats.start()
        await eventually(functools.partial(_nats_is, client, "ok"), timeout=10)


async def _nats_is(client: httpx.AsyncClient, state: str) -> httpx.Response | None:
    response = await client.get("/readyz")
    return response if response.json()["checks"]["nats"] == state else None


async def test_trace_context_and_request_id_are_continued_and_echoed(client: httpx.AsyncClient) -> None:
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await client.get("/healthz", headers={"traceparent": parent, "x-request-id": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    trace, span = response.headers["traceparent"].split("-")[1:3]
    assert trace == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert span != "00f067aa0ba902b7"
    fresh = await client.get("/healthz", headers={"traceparent": "garbage"})
    assert fresh.headers["traceparent"].split("-")[1] != trace


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        ServiceSettings(environment="production")
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings(environment="production", jwt_secret="short-but-not-placeholder")
    ServiceSettings(environment="production", jwt_secret="x" * 40)
    ServiceSettings(environment="production", jwt_jwks_url="https://idp.example/.well-known/jwks.json")


def test_malformed_cursor_is_a_400_problem() -> None:
    from shared.errors import Problem

    assert decode_cursor(encode_cursor("2026-01-01", "abc"), arity=2) == ["2026-01-01", "abc"]
    for bad in ("!!!", encode_cursor("only-one"), "eyJ"):
        with pytest.raises(Problem) as caught:
            decode_cursor(bad, arity=2)
        assert caught.value.status == 400
    moment, row_id = datetime(2026, 11, 25, 9, 30, tzinfo=UTC), uuid.uuid4()
    assert after_time_cursor(time_cursor(moment, row_id)) == (moment, row_id)
    for bad in (encode_cursor("yesterday", str(row_id)), encode_cursor(moment.isoformat(), "not-a-uuid")):
        with pytest.raises(Problem) as caught:
            after_time_cursor(bad)
        assert caught.value.status == 400
