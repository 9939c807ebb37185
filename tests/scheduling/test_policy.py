"""The organization's scheduling policy: read by everyone, replaced by admins with If-Match."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AuthHeaders, new_org
from tests.scheduling.world import POLICY


async def test_an_organization_starts_on_the_defaults_and_its_admin_replaces_them(
    scheduling_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    mentee = auth(organization, str(uuid.uuid4()), "mentee")
    default = await scheduling_client.get("/v1/scheduling-policy", headers=mentee)
    assert default.headers["ETag"] == '"0"'
    assert default.json()["reminder_minutes_before"] == [1440, 60]

    missing = await scheduling_client.put("/v1/scheduling-policy", json=POLICY, headers=admin)
    assert missing.status_code == 428
    replaced = await scheduling_client.put(
        "/v1/scheduling-policy", json=POLICY, headers={**admin, "If-Match": '"0"'}
    )
    assert replaced.status_code == 200 and replaced.headers["ETag"] == '"1"'
    stale = await scheduling_client.put(
        "/v1/scheduling-policy", json=POLICY, headers={**admin, "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    forbidden = await scheduling_client.put(
        "/v1/scheduling-policy", json=POLICY, headers={**mentee, "If-Match": '"1"'}
    )
    assert forbidden.status_code == 403
    other_org = await scheduling_client.get("/v1/scheduling-policy", headers=auth(new_org(), "x", "admin"))
    assert other_org.json()["version"] == 0


async def test_a_meeting_link_template_must_give_every_session_its_own_https_room(
    scheduling_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    admin = {**auth(new_org(), str(uuid.uuid4()), "admin"), "If-Match": '"0"'}
    for template in (
        "https://meet.example/team",
        "http://meet.example/{session_id}",
        "https://x/{room}",
        "{session_id",
    ):
        response = await scheduling_client.put(
            "/v1/scheduling-policy", json={**POLICY, "meeting_url_template": template}, headers=admin
        )
        assert response.status_code == 422, template
        assert response.json()["type"] == "/problems/validation-error"
    repeated = await scheduling_client.put(
        "/v1/scheduling-policy", json={**POLICY, "reminder_minutes_before": [60, 60]}, headers=admin
    )
    assert repeated.status_code == 422
