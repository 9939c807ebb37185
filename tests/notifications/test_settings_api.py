"""What people and admins set over the API: preferences, organization settings and template
overrides, each one document under If-Match, refused with a clear 4xx when wrong, and only ever
visible to whom it belongs."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import AuthHeaders, new_org

OVERRIDE = {
    "subject": "Meeting {{ other_name }} on {{ session_start|date }}",
    "text": "Hello {{ recipient_name }},\nsee you {{ session_start|when }}.",
    "html": "<p>Hello {{ recipient_name }}</p>",
}


async def test_preferences_start_as_defaults_and_change_only_under_if_match(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    me = auth(new_org(), str(uuid.uuid4()), "mentee")
    fresh = await notifications_client.get("/v1/me/preferences", headers=me)
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"0"'
    assert fresh.json() == {"kinds": {}, "quiet_hours": None, "muted": False, "version": 0}
    body = {
        "kinds": {"session_reminder": {"channels": {"chat": False}}},
        "quiet_hours": {"start": "21:30", "end": "07:00"},
    }
    assert (await notifications_client.put("/v1/me/preferences", json=body, headers=me)).status_code == 428
    saved = await notifications_client.put("/v1/me/preferences", json=body, headers={**me, "If-Match": '"0"'})
    assert saved.status_code == 200 and saved.headers["ETag"] == '"1"'
    assert saved.json()["kinds"]["session_reminder"] == {
        "channels": {"email": None, "chat": False, "inbox": None},
        "digest": "off",
    }
    again = await notifications_client.put("/v1/me/preferences", json=body, headers={**me, "If-Match": '"0"'})
    assert again.status_code == 412


async def test_bad_preferences_are_refused_naming_the_field(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    me = {**auth(new_org(), str(uuid.uuid4()), "mentor"), "If-Match": '"0"'}
    for body, field in (
        ({"kinds": {"no_such_kind": {}}}, "body.kinds"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "body.quiet_hours.start"),
        ({"kinds": {"session_booked": {"digest": "hourly"}}}, "body.kinds.session_booked.digest"),
        ({"muted": True, "extra": 1}, "body.extra"),
    ):
        response = await notifications_client.put("/v1/me/preferences", json=body, headers=me)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [error["field"] for error in response.json()["errors"]]


async def test_only_admins_see_and_change_the_organizations_settings(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    mentee = auth(organization, str(uuid.uuid4()), "mentee")
    assert (await notifications_client.get("/v1/settings", headers=mentee)).status_code == 403
    assert (
        await notifications_client.put("/v1/settings", json={}, headers={**mentee, "If-Match": '"0"'})
    ).status_code == 403
    body = {"critical_when_muted": True, "slack_bot_token": "xoxb-secret", "slack_channel": "C0123"}
    saved = await notifications_client.put("/v1/settings", json=body, headers={**admin, "If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert saved.json()["slack_bot_token_set"] is True and "xoxb-secret" not in saved.text
    # Leaving the token out keeps it; another organization sees its own (empty) settings.
    kept = await notifications_client.put(
        "/v1/settings",
        json={"critical_when_muted": False},
        headers={**admin, "If-Match": saved.headers["ETag"]},
    )
    assert kept.json()["slack_bot_token_set"] is True and kept.json()["version"] == 2
    other = await notifications_client.get("/v1/settings", headers=auth(new_org(), "someone", "admin"))
    assert other.json()["version"] == 0 and other.json()["slack_bot_token_set"] is False


async def test_chat_urls_must_be_allowed_destinations(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    admin = {**auth(new_org(), str(uuid.uuid4()), "admin"), "If-Match": '"0"'}
    for url in (
        "https://169.254.169.254/latest/meta-data",
        "ftp://hooks.example.org/x",
        "https://user:pw@example.org/",
    ):
        response = await notifications_client.put(
            "/v1/settings", json={"teams_webhook_url": url}, headers=admin
        )
        assert response.status_code == 422, (url, response.text)
        assert response.json()["errors"][0]["field"] == "body.teams_webhook_url"


async def test_a_template_override_is_checked_when_saved_and_refused_with_the_line(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    organization = new_org()
    admin = auth(organization, str(uuid.uuid4()), "admin")
    url = "/v1/templates/session_booked/fr"
    broken = {**OVERRIDE, "text": "Bonjour {{ recipient_name }},\n{{ salary }}", "html": "<p>{% for %}</p>"}
    refused = await notifications_client.put(url, json=broken, headers={**admin, "If-Match": '"0"'})
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/template-error"
    errors = refused.json()["errors"]
    assert [(error["field"], error["line"]) for error in errors] == [("body.text", 2), ("body.html", 1)]
    assert "unknown variable 'salary'" in errors[0]["message"]
    saved = await notifications_client.put(url, json=OVERRIDE, headers={**admin, "If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert (await notifications_client.get(url, headers=admin)).json()["subject"] == OVERRIDE["subject"]
    listed = await notifications_client.get("/v1/templates", headers=admin)
    assert [(item["kind"], item["language"]) for item in listed.json()["items"]] == [("session_booked", "fr")]
    elsewhere = auth(new_org(), str(uuid.uuid4()), "admin")
    assert (await notifications_client.get(url, headers=elsewhere)).status_code == 404
    assert (await notifications_client.get("/v1/templates/no_such_kind/en", headers=admin)).status_code == 404
    assert (await notifications_client.delete(url, headers=admin)).status_code == 428
    gone = await notifications_client.delete(url, headers={**admin, "If-Match": saved.headers["ETag"]})
    assert gone.status_code == 204
    assert (await notifications_client.get(url, headers=admin)).status_code == 404


async def test_the_kinds_list_their_channels_and_template_variables(
    notifications_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await notifications_client.get(
        "/v1/kinds", headers=auth(new_org(), str(uuid.uuid4()), "mentee")
    )
    kinds = {kind["name"]: kind for kind in response.json()["items"]}
    assert kinds["relationship_at_risk"]["default_channels"] == ["email", "inbox"]
    assert kinds["session_canceled"]["critical"] is True and kinds["feedback_requested"]["digestible"] is True
    assert "session_start" in kinds["session_booked"]["variables"]
    assert set(response.json()["languages"]) >= {"en", "fr"}
