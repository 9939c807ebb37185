"""The organization's scheduling policy: read by everyone, replaced by admins with If-Match."""

from __future__ import annotations

import uuid

import httpx

from scheduling.meeting_links import render, template_problems
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


async def test_a_meeting_link_template_never_evaluates_what_an_admin_wrote(
    scheduling_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    # The reported exploit: a field nested in a format spec walked from a UUID to module globals and
    # echoed `sys.version` (or os.environ) in the 422 message.
    import sys

    admin = {**auth(new_org(), str(uuid.uuid4()), "admin"), "If-Match": '"0"'}
    for template in (
        "https://meet.example/{session_id}/{organization:{session_id.__init__.__globals__[sys].version}}",
        "https://meet.example/{session_id.__init__.__globals__[os].environ}",
        "https://meet.example/{session_id}/{session_id!r}",
        "https://meet.example/{session_id}/{organization:>99999999}",
        "https://meet.example/{session_id}/{0}",
        "https://meet.example/{session_id}/{{literal}}",
    ):
        response = await scheduling_client.put(
            "/v1/scheduling-policy", json={**POLICY, "meeting_url_template": template}, headers=admin
        )
        assert response.status_code == 422, template
        assert sys.version not in response.text
        assert "__globals__" not in response.text.replace(template, "")
    accepted = await scheduling_client.put(
        "/v1/scheduling-policy",
        json={**POLICY, "meeting_url_template": "https://meet.example/{organization}/{session_id}"},
        headers=admin,
    )
    assert accepted.status_code == 200


def test_placeholders_are_substituted_literally_and_encoded_into_the_url() -> None:
    link = render(
        "https://meet.example/{organization}/{session_id}",
        session_id=uuid.UUID(int=1),
        match_id=uuid.UUID(int=2),
        organization="a/b?{session_id}",
    )
    assert link == "https://meet.example/a%2Fb%3F%7Bsession_id%7D/00000000-0000-0000-0000-000000000001"


def test_the_match_placeholder_has_its_deprecated_name_as_an_alias() -> None:
    session_id, match_id = uuid.UUID(int=1), uuid.UUID(int=2)
    for name in ("match_id", "mentorship_id"):
        template = f"https://meet.example/{{{name}}}/{{session_id}}"
        assert template_problems(template) == []
        link = render(template, session_id=session_id, match_id=match_id, organization="org")
        assert link == f"https://meet.example/{match_id}/{session_id}"
