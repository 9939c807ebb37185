"""Admins register endpoints; secrets are shown once and never stored in clear."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import AuthHeaders, Platform, new_org, service_client
from tests.webhooks.conftest import admin, create_endpoint
from tests.webhooks.receiver import Receiver

PROFILES = ["mentorship.profiles.*"]


async def test_an_admin_registers_an_endpoint_and_sees_its_secret_only_once(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    url = receiver.route().url
    response = await webhooks_client.post(
        "/v1/endpoints",
        json={"url": url, "event_types": ["*.person.*", "*.person.*"], "description": "HRIS"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["*.person.*"]
    assert created["enabled"] is True
    assert response.headers["location"] == f"/v1/endpoints/{created['id']}"
    assert response.headers["etag"] == '"1"'

    shown = await webhooks_client.get(f"/v1/endpoints/{created['id']}", headers=headers)
    assert shown.status_code == 200
    assert "secret" not in shown.json()
    assert shown.json()["url"] == url
    listed = await webhooks_client.get("/v1/endpoints", headers=headers)
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert "secret" not in listed.json()["items"][0]


async def test_a_retried_creation_returns_the_same_secret_which_is_stored_only_encrypted(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, platform: Platform
) -> None:
    headers = {**admin(auth, new_org()), "Idempotency-Key": uuid.uuid4().hex}
    body = {"url": receiver.route().url, "event_types": PROFILES}
    first = await webhooks_client.post("/v1/endpoints", json=body, headers=headers)
    again = await webhooks_client.post("/v1/endpoints", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    secret = first.json()["secret"]

    engine = create_async_engine(platform.database_url)
    try:
        async with engine.connect() as connection:
            stored = (
                await connection.execute(
                    text("SELECT secret FROM webhooks.endpoints WHERE id = :id"), {"id": first.json()["id"]}
                )
            ).scalar_one()
            dump = (
                await connection.execute(
                    text("SELECT count(*) FROM webhooks.idempotency_keys WHERE body::text LIKE :s"),
                    {"s": f"%{secret}%"},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert secret not in stored
    assert dump == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_types": ["mentorship.billing.*"]}, "body.event_types.0"),
        ({"event_types": ["mentorship.matching.*", "NOT VALID"]}, "body.event_types.1"),
        ({"event_types": []}, "body.event_types"),
        ({"url": "https://hooks.example.com/in#frag"}, "body.url"),
        ({"url": "https://10.0.0.8/in"}, "body.url"),
        ({"url": "https://169.254.169.254/latest/meta-data"}, "body.url"),
        ({"url": "https://localhost:8443/in"}, "body.url"),
        ({"url": "https://admin:pw@hooks.example.com/in"}, "body.url"),
        ({"url": "http://hooks.example.com/in"}, "body.url"),
        ({"url": "https://[::ffff:0:127.0.0.1]/in"}, "body.url"),
        ({"url": "https://[64:ff9b:1::a9fe:a9fe]/in"}, "body.url"),
        ({"url": "https://a..example.com/hook"}, "body.url"),  # IDNA would raise UnicodeError
        ({"url": "https://" + "a" * 64 + ".example.com/hook"}, "body.url"),
        ({"url": "https://" + ".".join(["a" * 63] * 4) + "/hook"}, "body.url"),  # 255 characters
        ({"surprise": True}, "body.surprise"),
    ],
)
async def test_invalid_endpoints_are_refused_naming_the_field(
    platform: Platform, auth: AuthHeaders, body: dict[str, Any], field: str
) -> None:
    # Production destination rules: HTTPS only, no internal addresses, no allowlist.
    async with service_client("webhooks", platform) as strict:
        fields = {"url": "https://hooks.example.com/in", "event_types": PROFILES, **body}
        response = await strict.post("/v1/endpoints", json=fields, headers=admin(auth, new_org()))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_only_admins_of_the_organization_manage_its_endpoints(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    org = new_org()
    endpoint = await create_endpoint(webhooks_client, admin(auth, org), receiver.route().url, PROFILES)
    path = f"/v1/endpoints/{endpoint['id']}"
    mentor = auth(org, str(uuid.uuid4()), "mentor")
    assert (await webhooks_client.get(path, headers=mentor)).status_code == 403
    assert (await webhooks_client.post("/v1/endpoints", json={}, headers=mentor)).status_code in (403, 422)
    stranger = admin(auth, new_org())
    assert (await webhooks_client.get(path, headers=stranger)).status_code == 404
    assert (await webhooks_client.delete(path, headers=stranger)).status_code == 404
    assert (await webhooks_client.get(f"{path}/deliveries", headers=stranger)).status_code == 404
    assert (await webhooks_client.get("/v1/endpoints", headers=stranger)).json()["items"] == []
    assert (await webhooks_client.get("/v1/endpoints")).status_code == 401


async def test_updates_need_the_current_etag(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    endpoint = await create_endpoint(webhooks_client, headers, receiver.route().url, PROFILES)
    path = f"/v1/endpoints/{endpoint['id']}"
    change = {"event_types": ["mentorship.matching.*"], "description": "matches only"}
    assert (await webhooks_client.patch(path, json=change, headers=headers)).status_code == 428
    stale = await webhooks_client.patch(path, json=change, headers={**headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    updated = await webhooks_client.patch(path, json=change, headers={**headers, "If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["event_types"] == ["mentorship.matching.*"]
    assert updated.json()["description"] == "matches only"

    disabled = await webhooks_client.patch(
        path, json={"enabled": False}, headers={**headers, "If-Match": '"2"'}
    )
    assert disabled.json()["enabled"] is False
    assert disabled.json()["disabled_reason"] == "admin"
    enabled = await webhooks_client.patch(
        path, json={"enabled": True}, headers={**headers, "If-Match": '"3"'}
    )
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)


async def test_rotating_the_secret_returns_a_new_one_and_keeps_the_old_one_for_the_overlap(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    endpoint = await create_endpoint(webhooks_client, headers, receiver.route().url, PROFILES)
    rotated = await webhooks_client.post(
        f"/v1/endpoints/{endpoint['id']}/secret/rotate", json={"overlap_seconds": 3600}, headers=headers
    )
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert rotated.json()["version"] == 2
    missing = await webhooks_client.post(f"/v1/endpoints/{uuid.uuid4()}/secret/rotate", headers=headers)
    assert missing.status_code == 404


async def test_a_deleted_endpoint_is_gone(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    endpoint = await create_endpoint(webhooks_client, headers, receiver.route().url, PROFILES)
    path = f"/v1/endpoints/{endpoint['id']}"
    assert (await webhooks_client.delete(path, headers={**headers, "If-Match": '"9"'})).status_code == 412
    assert (await webhooks_client.delete(path, headers=headers)).status_code == 204
    assert (await webhooks_client.get(path, headers=headers)).status_code == 404


async def test_replay_needs_a_range_and_an_enabled_endpoint(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    endpoint = await create_endpoint(webhooks_client, headers, receiver.route().url, PROFILES, enabled=False)
    path = f"/v1/endpoints/{endpoint['id']}/replay"
    backwards = {"from": "2026-11-25T12:00:00Z", "to": "2026-11-25T11:00:00Z"}
    assert (await webhooks_client.post(path, json=backwards, headers=headers)).status_code == 422
    naive = {"from": "2026-11-25T10:00:00", "to": "2026-11-25T11:00:00"}
    assert (await webhooks_client.post(path, json=naive, headers=headers)).status_code == 422
    forward = {"from": "2026-11-25T10:00:00Z", "to": "2026-11-25T11:00:00Z"}
    disabled = await webhooks_client.post(path, json=forward, headers=headers)
    assert disabled.status_code == 409
    assert disabled.json()["type"] == "/problems/endpoint-disabled"


async def test_delivery_log_queries_are_checked(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver
) -> None:
    headers = admin(auth, new_org())
    endpoint = await create_endpoint(webhooks_client, headers, receiver.route().url, PROFILES)
    log = f"/v1/endpoints/{endpoint['id']}/deliveries"
    assert (await webhooks_client.get(log, headers=headers)).json() == {"items": [], "next_cursor": None}
    assert (await webhooks_client.get(log, params={"cursor": "nope"}, headers=headers)).status_code == 400
    assert (await webhooks_client.get(log, params={"status": "lost"}, headers=headers)).status_code == 422
    assert (await webhooks_client.get(f"/v1/deliveries/{uuid.uuid4()}", headers=headers)).status_code == 404
    resend = await webhooks_client.post(f"/v1/deliveries/{uuid.uuid4()}/resend", headers=headers)
    assert resend.status_code == 404


async def test_the_event_type_catalog_lists_what_can_be_subscribed_to(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    headers = auth(new_org(), str(uuid.uuid4()), "integration")
    catalog = (await webhooks_client.get("/v1/event-types", headers=headers)).json()["items"]
    names = {item["name"] for item in catalog}
    assert {"mentorship.profiles.person.deactivated.v1", "mentorship.webhooks.endpoint.disabled.v1"} <= names
    assert all(item["summary"] for item in catalog)
    matching = await webhooks_client.get("/v1/event-types", params={"service": "matching"}, headers=headers)
    assert {item["service"] for item in matching.json()["items"]} == {"matching"}
