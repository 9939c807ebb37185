"""What the profiles API refuses and what it does not reveal: control characters in any text (a
422 naming the field, never the database's error), other organizations' person ids, leavers'
writes, and a forged Host header in SCIM locations."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from profiles.config import ProfilesSettings
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.profiles.conftest import Org, assert_problem, person_body
from tests.profiles.test_bulk_import import as_csv, imported, people_by_external_id, person_row
from tests.profiles.test_scim_users import ENTERPRISE, SCIM_JSON, Provider, assert_scim_error, user_body

NUL = "\x00"


def _named(response: httpx.Response, field: str) -> None:
    assert_problem(response, 422)
    assert field in {error["field"] for error in response.json()["errors"]}, response.json()


# --- control characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("parameter", ["q", "department", "skill", "external_id"])
async def test_a_nul_byte_in_a_people_filter_is_a_422_naming_it(org: Org, parameter: str) -> None:
    response = await org.client.get("/v1/people", params={parameter: f"ada{NUL}"}, headers=org.admin)
    _named(response, f"query.{parameter}")


async def test_a_nul_byte_in_a_name_or_an_email_is_a_422_naming_it(org: Org) -> None:
    before = await org.written.snapshot()
    for field in ("name", "title", "bio", "email"):
        body = person_body(**{field: f"x{NUL}y@example.com" if field == "email" else f"Ada{NUL}"})
        _named(await org.client.post("/v1/people", json=body, headers=org.admin), f"body.{field}")
    person = await org.person()
    changed = await org.client.patch(
        f"/v1/people/{person['id']}", json={"name": f"Ada{NUL}"}, headers={**org.admin, "If-Match": '"1"'}
    )
    _named(changed, "body.name")
    assert await org.written.count("people") == before["people"] + 1


async def test_a_nul_byte_in_an_enrollment_goal_is_a_422_naming_it(org: Org) -> None:
    program = await org.program()
    person = await org.person()
    response = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments",
        json={"person_id": person["id"], "role": "mentee", "goals": ["Ship a model", f"Lead{NUL}"]},
        headers=org.admin,
    )
    _named(response, "body.goals.1")


async def test_a_nul_byte_in_a_scim_attribute_is_an_invalid_value_naming_it(org: Org) -> None:
    idp = Provider(org)
    for overrides, attribute in [
        ({"userName": f"ada{NUL}@example.com"}, "userName"),
        ({"externalId": f"hr{NUL}1"}, "externalId"),
        ({"displayName": f"Ada{NUL}"}, "displayName"),
        ({ENTERPRISE: {"department": f"R{NUL}D"}}, f"{ENTERPRISE}:department"),
    ]:
        error = assert_scim_error(
            await idp.request("POST", "/Users", user_body(**overrides)), 400, "invalidValue"
        )
        assert attribute in error["detail"], error
    user = await idp.create()
    replaced = await idp.request("PUT", f"/Users/{user['id']}", user_body(title=f"ML{NUL}"))
    assert "title" in assert_scim_error(replaced, 400, "invalidValue")["detail"]
    patched = await idp.patch(user, {"op": "replace", "path": "displayName", "value": f"B{NUL}"})
    assert "displayName" in assert_scim_error(patched, 400, "invalidValue")["detail"]
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": f'userName eq "a{NUL}"',
    }
    assert_scim_error(await idp.request("POST", "/Users/.search", search), 400, "invalidFilter")


async def test_a_nul_byte_in_an_import_cell_fails_that_row_alone(org: Org, platform: Platform) -> None:
    rows = [
        person_row("N1", name=f"Ada{NUL}"),
        person_row(f"N{NUL}2", email="n2@example.com", name="Nora"),
        person_row("N3"),
    ]
    async with running_workers(platform, "profiles"):
        job = await imported(org, as_csv(rows))

    assert job["status"] == "succeeded" and (job["created"], job["failed"]) == (1, 2), job
    refused = {error["row"]: {item["field"] for item in error["errors"]} for error in job["errors"]}
    assert refused == {2: {"name"}, 3: {"external_id"}}, job["errors"]
    assert set(await people_by_external_id(org)) == {"N3"}


# --- person ids chosen by the client --------------------------------------------------------------


async def test_a_person_id_of_another_organization_is_refused_like_one_of_ours(org: Org) -> None:
    other = Org(id=new_org(), client=org.client, auth=org.auth, written=org.written)
    theirs = await other.person()
    ours = await org.person()

    taken_by_them = await org.client.post("/v1/people", json=person_body(id=theirs["id"]), headers=org.admin)
    taken_by_us = await org.client.post("/v1/people", json=person_body(id=ours["id"]), headers=org.admin)

    for response in (taken_by_them, taken_by_us):
        assert_problem(response, 409, "id")
    strip = {"instance"}
    assert {k: v for k, v in taken_by_them.json().items() if k not in strip} == {
        k: v for k, v in taken_by_us.json().items() if k not in strip
    }
    assert theirs["email"] not in taken_by_them.text and theirs["name"] not in taken_by_them.text
    assert (await org.client.get(f"/v1/people/{theirs['id']}", headers=org.admin)).status_code == 404
    # Their person is untouched, and a fresh id of our choosing works.
    assert (await other.client.get(f"/v1/people/{theirs['id']}", headers=other.admin)).json() == theirs
    fresh = str(uuid.uuid4())
    created = await org.client.post("/v1/people", json=person_body(id=fresh), headers=org.admin)
    assert created.status_code == 201 and created.json()["id"] == fresh


# --- leavers ---------------------------------------------------------------------------------------


async def test_a_deactivated_person_can_no_longer_change_their_profile_or_enroll(org: Org) -> None:
    program = await org.program()
    person = await org.person()
    own = org.as_person(person, "mentee")
    assert (
        await org.client.patch(
            f"/v1/people/{person['id']}", json={"title": "Lead"}, headers={**own, "If-Match": '"1"'}
        )
    ).status_code == 200
    await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.admin)
    before = await org.written.snapshot()

    edit = await org.client.patch(
        f"/v1/people/{person['id']}", json={"title": "Chief"}, headers={**own, "If-Match": '"3"'}
    )
    enroll = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments", json={"role": "mentee"}, headers=own
    )

    for response in (edit, enroll):
        assert assert_problem(response, 403)["type"] == "/problems/person-deactivated"
    assert await org.written.snapshot() == before


async def test_a_person_deprovisioned_through_scim_can_no_longer_change_their_profile(org: Org) -> None:
    idp = Provider(org)
    user = await idp.create()
    own = org.as_person(user["id"], "mentor")
    assert (await idp.request("DELETE", f"/Users/{user['id']}")).status_code == 204

    edit = await org.client.patch(
        f"/v1/people/{user['id']}", json={"bio": "Still here"}, headers={**own, "If-Match": "*"}
    )

    assert assert_problem(edit, 403)["type"] == "/problems/person-deactivated"
    # Reading stays possible until the token expires; only writes are refused.
    assert (await org.client.get("/v1/me", headers=own)).status_code == 200


# --- SCIM locations ----------------------------------------------------------------------------


@pytest.fixture
async def public_profiles(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(
        "profiles", platform, public_base_url="https://people.example.org/profiles/"
    ) as client:
        yield client


async def test_scim_locations_come_from_the_public_url_never_from_the_host_header(
    public_profiles: httpx.AsyncClient, org: Org
) -> None:
    org = Org(id=org.id, client=public_profiles, auth=org.auth, written=org.written)
    idp = Provider(org)
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}

    created = await idp.request("POST", "/Users", user_body(), **forged)
    user = created.json()
    fetched = await idp.request("GET", f"/Users/{user['id']}", **forged)
    config = await idp.request("GET", "/ServiceProviderConfig", **forged)

    location = f"https://people.example.org/profiles/scim/v2/Users/{user['id']}"
    assert created.status_code == 201 and created.headers["Location"] == user["meta"]["location"] == location
    assert fetched.json()["meta"]["location"] == location
    assert (
        config.json()["meta"]["location"]
        == "https://people.example.org/profiles/scim/v2/ServiceProviderConfig"
    )
    for response in (created, fetched, config):
        assert "evil.example" not in response.text and "evil.example" not in str(response.headers)


def test_the_public_url_defaults_to_the_gateway_in_development() -> None:
    assert ProfilesSettings().public_base_url == "http://127.0.0.1:8000/profiles"


async def test_a_scim_405_names_every_method_of_the_resource(org: Org) -> None:
    idp = Provider(org)
    refused = await idp.request("DELETE", "/Users")
    assert_scim_error(refused, 405)
    assert refused.headers["Allow"] == "GET, HEAD, POST"
    assert refused.headers["content-type"].startswith(SCIM_JSON)
