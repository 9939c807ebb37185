"""CORS, configured per deployment: local origins in development, nothing in production unless listed,
and the headers a browser script needs to read (ETag, Location, Retry-After, X-Request-Id) exposed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Response

from shared.app import create_service_app
from shared.auth import CurrentPrincipal, mint_dev_token
from shared.config import ServiceSettings
from tests.conftest import Platform

router = APIRouter(prefix="/v1")


@router.post("/notes", status_code=201)
async def add_note(caller: CurrentPrincipal, response: Response) -> dict[str, str]:
    response.headers["Location"] = "/v1/notes/1"
    response.headers["ETag"] = '"1"'
    return {"id": "1"}


def settings_for(platform: Platform, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "cors",
        "database_url": platform.database_url,
        "nats_url": platform.nats_url,
        "environment": "development",
        "log_json": False,
        "log_level": "WARNING",
        **overrides,
    }
    return ServiceSettings(**values)


@asynccontextmanager
async def serving(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(settings=settings, title="cors", description="test", routers=[router])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, if-match",
    }


def bearer() -> dict[str, str]:
    token = mint_dev_token(subject="00000000-0000-4000-8000-000000000001", organization="o", roles=["admin"])
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:8000", "http://[::1]:3000"])
async def test_development_answers_a_preflight_from_a_local_origin(platform: Platform, origin: str) -> None:
    async with serving(settings_for(platform)) as client:
        response = await client.options("/v1/notes", headers=preflight(origin))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key", "if-match"} <= set(allowed.split(", "))
    assert response.headers["access-control-max-age"] == "600"


async def test_a_simple_request_exposes_the_headers_a_browser_needs(platform: Platform) -> None:
    async with serving(settings_for(platform)) as client:
        response = await client.post("/v1/notes", headers={"Origin": "http://localhost:5173", **bearer()})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "location", "retry-after", "x-request-id"} <= exposed
    assert "access-control-allow-credentials" not in response.headers


async def test_a_refused_request_still_carries_cors_headers_so_the_script_can_read_the_problem(
    platform: Platform,
) -> None:
    async with serving(settings_for(platform)) as client:
        response = await client.post("/v1/notes", headers={"Origin": "http://localhost:5173"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


async def test_development_does_not_open_to_remote_origins(platform: Platform) -> None:
    async with serving(settings_for(platform)) as client:
        refused = await client.options("/v1/notes", headers=preflight("https://evil.example"))
        simple = await client.post(
            "/v1/notes", headers={"Origin": "https://localhost.evil.example", **bearer()}
        )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_production_has_no_cors_unless_origins_are_configured(platform: Platform) -> None:
    settings = settings_for(platform, environment="production", jwt_secret="x" * 40)
    assert not settings.cors_enabled
    async with serving(settings) as client:
        response = await client.options("/v1/notes", headers=preflight("http://localhost:5173"))
    assert "access-control-allow-origin" not in response.headers


async def test_production_allows_exactly_the_listed_origins_with_credentials(platform: Platform) -> None:
    settings = settings_for(
        platform,
        environment="production",
        jwt_secret="x" * 40,
        cors_allow_origins=["https://console.example.org"],
        cors_allow_credentials=True,
        cors_max_age_seconds=3600,
    )
    async with serving(settings) as client:
        allowed = await client.options("/v1/notes", headers=preflight("https://console.example.org"))
        other = await client.options("/v1/notes", headers=preflight("http://localhost:5173"))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://console.example.org"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert allowed.headers["access-control-max-age"] == "3600"
    assert "access-control-allow-origin" not in other.headers


def test_credentials_for_every_origin_are_refused() -> None:
    with pytest.raises(ValueError, match="CORS_ALLOW_CREDENTIALS"):
        ServiceSettings(cors_allow_origins=["*"], cors_allow_credentials=True)
