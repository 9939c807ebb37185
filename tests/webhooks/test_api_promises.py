"""What the webhooks API documents is what it does: descriptions refuse control characters, URLs
are https (the destination tests prove the refusals), and a replay's `to` comes after its `from`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import AuthHeaders, new_org
from tests.webhooks.conftest import admin


async def test_a_nul_byte_in_a_description_or_an_event_type_is_a_422_naming_it(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    headers = admin(auth, new_org())
    cases: list[tuple[dict[str, Any], str]] = [
        ({"description": "HRIS\x00"}, "body.description"),
        ({"event_types": ["mentorship.\x00*"]}, "body.event_types.0"),
    ]
    for body, field in cases:
        endpoint = {"url": "https://hooks.example.com/in", "event_types": ["*"], **body}
        response = await webhooks_client.post("/v1/endpoints", json=endpoint, headers=headers)
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_the_document_says_urls_are_https_and_replays_end_after_they_start(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    document = (await webhooks_client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for model in ("EndpointCreate", "EndpointUpdate"):
        url = schemas[model]["properties"]["url"]
        text = next((option for option in url.get("anyOf", []) if option.get("type") == "string"), url)
        assert text["pattern"].startswith("^[Hh][Tt][Tt][Pp][Ss]://") and "`https://`" in url["description"]
    assert "after `from`" in schemas["Replay"]["properties"]["to"]["description"]
    headers = admin(auth, new_org())
    backwards = await webhooks_client.post(
        f"/v1/endpoints/{uuid.uuid4()}/replay",
        json={"from": "2026-12-05T10:00:00Z", "to": "2026-12-05T09:00:00Z"},
        headers=headers,
    )
    assert backwards.status_code == 422 and "body.to" in backwards.text
