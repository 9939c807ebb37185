"""SCIM provisioning of people: what an HR identity provider (Entra ID, Okta) does, and what the
platform makes of it: profiles, events, and SCIM errors."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from profiles.config import ProfilesSettings
from tests.profiles.conftest import Org, assert_problem
from tests.toolkit import eventually

SCIM_JSON = "application/scim+json"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def user_body(**overrides: Any) -> dict[str, Any]:
    """A user as Entra ID provisions one."""
    tag = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": f"hr-{tag}",
        "userName": f"Barbara.Jensen.{tag}@Example.com",
        "active": True,
        "displayName": "Barbara Jensen",
        "name": {"formatted": "Ms. Barbara J Jensen", "givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"primary": True, "type": "work", "value": f"bjensen.{tag}@example.com"}],
        "title": "ML Engineer",
        "preferredLanguage": "fr-FR",
        "timezone": "Europe/Paris",
        "meta": {"resourceType": "User"},
        ENTERPRISE: {"department": "Research"},
    }
    body.update(overrides)
    return body


def operations(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The response is a SCIM Error (RFC 7644 §3.12) with `status` (and `scimType`)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON), response.headers
    error = dict(response.json())
    assert error["schemas"] == [ERROR] and error["status"] == str(status)
    assert error.get("scimType") == scim_type, error
    return error


@dataclass
class Provider:
    """An organization's identity provider, calling /scim/v2 with its integration token."""

    org: Org

    @property
    def headers(self) -> dict[str, str]:
        return {**self.org.auth(self.org.id, "entra-provisioning", "integration"), "Content-Type": SCIM_JSON}

    async def request(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.org.client.request(
            method, f"/scim/v2{path}", json=body, headers={**self.headers, **headers}
        )

    async def create(self, **overrides: Any) -> dict[str, Any]:
        response = await self.request("POST", "/Users", user_body(**overrides))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def find(self, scim_filter: str) -> list[dict[str, Any]]:
        response = await self.org.client.get(
            "/scim/v2/Users", params={"filter": scim_filter}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json().get("Resources", []))

    async def patch(self, user: dict[str, Any], *ops: dict[str, Any]) -> httpx.Response:
        return await self.request("PATCH", f"/Users/{user['id']}", operations(*ops))

    async def profile(self, user: dict[str, Any]) -> dict[str, Any]:
        response = await self.org.client.get(f"/v1/people/{user['id']}", headers=self.org.admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def event_types(self) -> list[str]:
        return [event["type"].split(".", 2)[2].rsplit(".", 1)[0] for event in await self.org.written.events()]


@pytest.fixture
def idp(org: Org) -> Provider:
    return Provider(org)


async def test_a_provisioned_user_becomes_a_profile_published_like_any_other(idp: Provider) -> None:
    body = user_body()
    response = await idp.request("POST", "/Users", body)

    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    user = response.json()
    assert (
        response.headers["Location"]
        == user["meta"]["location"]
        == f"{ProfilesSettings().public_base_url}/scim/v2/Users/{user['id']}"
    )
    assert response.headers["ETag"] == user["meta"]["version"] and user["meta"]["version"].startswith('W/"')
    assert user["userName"] == body["userName"] and user["externalId"] == body["externalId"]
    assert user[ENTERPRISE] == {"department": "Research"}
    profile = await idp.profile(user)
    assert profile["id"] == user["id"]
    assert profile["email"] == body["emails"][0]["value"]
    assert profile["name"] == "Barbara Jensen"  # displayName is the name shown to mentors
    assert profile["external_id"] == body["externalId"] and profile["title"] == "ML Engineer"
    assert profile["department"] == "Research"
    assert profile["time_zone"] == "Europe/Paris" and profile["languages"] == ["fr"]
    assert await idp.event_types() == ["person.created"]
    fetched = await idp.request("GET", f"/Users/{user['id']}")
    assert fetched.json() == user and fetched.headers["ETag"] == user["meta"]["version"]


async def test_defaults_fill_what_the_provider_does_not_send(idp: Provider) -> None:
    minimal = {"schemas": [CORE], "userName": "ada", "emails": [{"value": "Ada@Example.com"}]}
    response = await idp.request("POST", "/Users", minimal)
    assert response.status_code == 201, response.text
    profile = await idp.profile(response.json())
    assert profile["time_zone"] == "UTC" and profile["languages"] == ["en"]
    assert profile["name"] == "ada" and profile["email"] == "ada@example.com" and profile["active"] is True


async def test_users_are_found_by_user_name_external_id_and_email(idp: Provider) -> None:
    barbara = await idp.create()
    other = await idp.create()
    email = barbara["emails"][0]["value"]

    assert [u["id"] for u in await idp.find(f'userName eq "{barbara["userName"].upper()}"')] == [
        barbara["id"]
    ]
    assert [u["id"] for u in await idp.find(f'externalId eq "{barbara["externalId"]}"')] == [barbara["id"]]
    assert [u["id"] for u in await idp.find(f'emails[type eq "work"].value eq "{email}"')] == [barbara["id"]]
    assert [u["id"] for u in await idp.find(f'emails.value eq "{email.upper()}"')] == [barbara["id"]]
    both = f'externalId eq "{barbara["externalId"]}" or externalId eq "{other["externalId"]}"'
    assert {u["id"] for u in await idp.find(both)} == {barbara["id"], other["id"]}
    assert await idp.find(f'externalId eq "{barbara["externalId"]}" and active eq false') == []
    assert await idp.find('userName eq "nobody@example.com"') == []
    assert (
        await idp.find(f'externalId eq "{barbara["externalId"].upper()}"') == []
    )  # externalId is case-exact


async def test_people_added_elsewhere_are_matched_by_their_email_as_user_name(idp: Provider) -> None:
    person = await idp.org.person(external_id="W-1")
    found = await idp.find(f'userName eq "{person["email"]}"')
    assert [user["id"] for user in found] == [person["id"]]
    user = found[0]
    assert user["displayName"] == person["name"] and user["timezone"] == person["time_zone"]

    # Leaving the attributes read from the profile alone does not make the provider their owner.
    response = await idp.patch(user, {"op": "replace", "path": "title", "value": "Staff Engineer"})
    assert response.status_code == 200, response.text
    profile = await idp.profile(user)
    assert profile["title"] == "Staff Engineer"
    assert profile["name"] == person["name"] and profile["time_zone"] == person["time_zone"]
    assert profile["languages"] == person["languages"]
    assert (await idp.org.written.events())[-1]["data"]["changed"] == ["title"]


async def test_lists_are_paged_with_start_index_and_count(idp: Provider) -> None:
    created = [await idp.create() for _ in range(5)]

    page = (await idp.org.client.get("/scim/v2/Users?startIndex=2&count=2", headers=idp.headers)).json()
    assert page["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [user["id"] for user in page["Resources"]] == [user["id"] for user in created[1:3]]
    counted = (await idp.org.client.get("/scim/v2/Users?count=0", headers=idp.headers)).json()
    assert counted["totalResults"] == 5 and not counted.get("Resources")
    chosen = (await idp.org.client.get("/scim/v2/Users?attributes=userName", headers=idp.headers)).json()
    assert set(chosen["Resources"][0]) == {"schemas", "id", "userName"}


async def test_search_by_post_finds_the_same_users(idp: Provider) -> None:
    user = await idp.create()
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": f'externalId eq "{user["externalId"]}"',
        "attributes": ["userName"],
    }
    response = await idp.request("POST", "/Users/.search", search)
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["totalResults"] == 1
    assert found["Resources"] == [{"schemas": [CORE], "id": user["id"], "userName": user["userName"]}]


@pytest.mark.parametrize(
    "scim_filter",
    ['nickName eq "bj"', "userName eq", 'phoneNumbers[type eq "work"].value eq "1"', "active gt true"],
)
async def test_a_filter_we_cannot_answer_is_an_invalid_filter_error(idp: Provider, scim_filter: str) -> None:
    response = await idp.org.client.get("/scim/v2/Users", params={"filter": scim_filter}, headers=idp.headers)
    assert_scim_error(response, 400, "invalidFilter")


async def test_active_false_deactivates_the_person_as_the_api_does(idp: Provider) -> None:
    user = await idp.create()
    # Entra ID writes the operation and the boolean as strings.
    response = await idp.patch(user, {"op": "Replace", "path": "active", "value": "False"})

    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert (await idp.profile(user))["active"] is False
    assert await idp.event_types() == ["person.created", "person.deactivated"]
    again = await idp.patch(user, {"op": "replace", "path": "active", "value": False})
    assert again.status_code == 200 and await idp.event_types() == ["person.created", "person.deactivated"]


async def test_patch_operations_with_and_without_paths_change_the_profile(idp: Provider) -> None:
    manager = await idp.create(displayName="Grace Hopper")
    user = await idp.create()
    new_email = f"barbara.{uuid.uuid4().hex[:6]}@example.org"
    response = await idp.patch(
        user,
        {"op": "add", "value": {"title": "Principal Engineer", f"{ENTERPRISE}:department": "Platform"}},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": new_email},
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": manager["id"]}},
        {"op": "replace", "path": "name.givenName", "value": "Babs"},
        {"op": "remove", "path": "preferredLanguage"},
        # An attribute we do not keep is ignored, as identity providers send what they map.
        {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+33 1 23 45 67 89"},
    )

    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["title"] == "Principal Engineer" and patched["name"]["givenName"] == "Babs"
    assert patched[ENTERPRISE]["department"] == "Platform"
    assert patched[ENTERPRISE]["manager"]["value"] == manager["id"]
    assert patched[ENTERPRISE]["manager"]["$ref"].endswith(f"/scim/v2/Users/{manager['id']}")
    assert "preferredLanguage" not in patched and "phoneNumbers" not in patched
    assert patched["meta"]["version"] != user["meta"]["version"]
    profile = await idp.profile(user)
    assert profile["email"] == new_email and profile["manager_id"] == manager["id"]
    assert profile["department"] == "Platform" and profile["languages"] == ["fr"]  # languages stay
    events = await idp.org.written.events()
    assert events[-1]["type"] == "mentorship.profiles.person.updated.v1"
    assert {"department", "email", "manager_id", "title"} <= set(events[-1]["data"]["changed"])


async def test_put_replaces_what_hr_manages_and_keeps_the_persons_own_time_zone(idp: Provider) -> None:
    user = await idp.create()
    replacement = user_body(
        userName=user["userName"], externalId=user["externalId"], emails=user["emails"], title=None
    )
    del replacement["timezone"], replacement["title"], replacement[ENTERPRISE]

    response = await idp.request("PUT", f"/Users/{user['id']}", replacement)

    assert response.status_code == 200, response.text
    profile = await idp.profile(user)
    assert profile["title"] is None and profile["department"] is None
    assert profile["time_zone"] == "Europe/Paris"


async def test_delete_deactivates_hides_the_user_and_a_rehire_comes_back_as_them(idp: Provider) -> None:
    user = await idp.create()
    deleted = await idp.request("DELETE", f"/Users/{user['id']}")

    assert deleted.status_code == 204
    assert_scim_error(await idp.request("GET", f"/Users/{user['id']}"), 404)
    assert_scim_error(await idp.request("DELETE", f"/Users/{user['id']}"), 404)
    assert await idp.find(f'externalId eq "{user["externalId"]}"') == []
    profile = await idp.profile(user)  # the platform keeps the person (history, feedback), deactivated
    assert profile["active"] is False
    assert await idp.event_types() == ["person.created", "person.deactivated"]

    rehired = await idp.request(
        "POST",
        "/Users",
        user_body(externalId=user["externalId"], userName=user["userName"], emails=user["emails"]),
    )
    assert rehired.status_code == 201, rehired.text
    assert rehired.json()["id"] == user["id"] and rehired.json()["active"] is True
    assert await idp.event_types() == ["person.created", "person.deactivated", "person.reactivated"]


async def test_a_taken_user_name_or_email_is_a_uniqueness_error_that_writes_nothing(idp: Provider) -> None:
    user = await idp.create()
    before = await idp.org.written.snapshot()

    same_user_name = await idp.request("POST", "/Users", user_body(userName=user["userName"].lower()))
    same_email = await idp.request("POST", "/Users", user_body(emails=user["emails"]))
    same_external_id = await idp.request("POST", "/Users", user_body(externalId=user["externalId"]))

    for response in (same_user_name, same_email, same_external_id):
        assert_scim_error(response, 409, "uniqueness")
    assert await idp.org.written.snapshot() == before


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"preferredLanguage": "klingon"}, "preferredLanguage"),
        ({"emails": [{"value": "not-an-email"}]}, "emails"),
        ({ENTERPRISE: {"manager": {"value": str(uuid.uuid4())}}}, "manager"),
        ({ENTERPRISE: {"manager": {"value": "bob"}}}, "manager"),
    ],
)
async def test_a_value_the_profile_cannot_hold_is_an_invalid_value_error_naming_it(
    idp: Provider, change: dict[str, Any], attribute: str
) -> None:
    before = await idp.org.written.snapshot()
    response = await idp.request("POST", "/Users", user_body(**change))
    error = assert_scim_error(response, 400, "invalidValue")
    assert attribute in error["detail"]
    assert await idp.org.written.snapshot() == before


async def test_a_malformed_body_is_a_scim_error(idp: Provider) -> None:
    not_json = await idp.org.client.post("/scim/v2/Users", content=b"{", headers=idp.headers)
    assert_scim_error(not_json, 400, "invalidSyntax")
    no_user_name = await idp.request("POST", "/Users", {"schemas": [CORE], "emails": [{"value": "a@b.co"}]})
    assert_scim_error(no_user_name, 400, "invalidValue")
    wrong_type = await idp.org.client.post(
        "/scim/v2/Users", content=b"userName=x", headers={**idp.headers, "Content-Type": "text/plain"}
    )
    assert_scim_error(wrong_type, 415)
    plain_json = await idp.org.client.post(
        "/scim/v2/Users", json=user_body(), headers={**idp.headers, "Content-Type": "application/json"}
    )
    assert plain_json.status_code == 201


async def test_if_match_guards_against_lost_updates(idp: Provider) -> None:
    user = await idp.create()
    version = user["meta"]["version"]
    first = await idp.request(
        "PATCH",
        f"/Users/{user['id']}",
        operations({"op": "replace", "path": "title", "value": "A"}),
        **{"If-Match": version},
    )
    assert first.status_code == 200 and first.headers["ETag"] != version
    stale = await idp.request(
        "PATCH",
        f"/Users/{user['id']}",
        operations({"op": "replace", "path": "title", "value": "B"}),
        **{"If-Match": version},
    )
    assert_scim_error(stale, 412)
    assert (await idp.profile(user))["title"] == "A"


async def test_concurrent_patches_without_if_match_all_apply(idp: Provider) -> None:
    user = await idp.create()
    responses = await asyncio.gather(
        idp.patch(user, {"op": "replace", "path": "title", "value": "Title"}),
        idp.patch(user, {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Dept"}),
        idp.patch(user, {"op": "replace", "path": "displayName", "value": "Babs Jensen"}),
    )
    assert [response.status_code for response in responses] == [200, 200, 200]
    profile = await idp.profile(user)
    assert (profile["title"], profile["department"], profile["name"]) == ("Title", "Dept", "Babs Jensen")


async def test_only_the_organizations_integration_or_admins_provision(idp: Provider) -> None:
    user = await idp.create()
    org = idp.org
    anonymous = await org.client.get("/scim/v2/Users", headers={"Content-Type": SCIM_JSON})
    assert_scim_error(anonymous, 401)
    mentor = await org.client.get("/scim/v2/Users", headers=org.auth(org.id, str(uuid.uuid4()), "mentor"))
    assert_scim_error(mentor, 403)
    admin = await org.client.get(f"/scim/v2/Users/{user['id']}", headers=org.admin)
    assert admin.status_code == 200

    elsewhere = org.auth("org-elsewhere", "entra-provisioning", "integration")
    assert_scim_error(await org.client.get(f"/scim/v2/Users/{user['id']}", headers=elsewhere), 404)
    listed = (await org.client.get("/scim/v2/Users", headers=elsewhere)).json()
    assert user["id"] not in {found["id"] for found in listed.get("Resources", [])}
    patched = await org.client.patch(
        f"/scim/v2/Users/{user['id']}",
        json=operations({"op": "replace", "path": "active", "value": False}),
        headers={**elsewhere, "Content-Type": SCIM_JSON},
    )
    assert_scim_error(patched, 404)
    assert (await idp.profile(user))["active"] is True


async def test_scim_errors_stay_within_scim(idp: Provider) -> None:
    assert_scim_error(await idp.request("GET", "/Groups"), 404)
    assert_scim_error(await idp.request("DELETE", "/ServiceProviderConfig"), 405)
    assert_scim_error(await idp.request("POST", "/.search", {}), 501)
    assert_problem(await idp.org.client.get(f"/v1/people/{uuid.uuid4()}", headers=idp.org.admin), 404)


async def test_discovery_describes_what_we_keep(idp: Provider) -> None:
    config = (await idp.request("GET", "/ServiceProviderConfig")).json()
    assert config["patch"]["supported"] and config["filter"]["supported"] and config["etag"]["supported"]
    assert not config["bulk"]["supported"]
    resource_types = (await idp.request("GET", "/ResourceTypes")).json()["Resources"]
    assert [(rt["name"], rt["endpoint"]) for rt in resource_types] == [("User", "/Users")]
    assert resource_types[0]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    schema = (await idp.request("GET", f"/Schemas/{CORE}")).json()
    assert [attribute["name"] for attribute in schema["attributes"]] == [
        "userName", "name", "displayName", "title", "preferredLanguage", "timezone", "active", "emails",
    ]  # fmt: skip
    enterprise = (await idp.request("GET", f"/Schemas/{ENTERPRISE}")).json()
    assert [attribute["name"] for attribute in enterprise["attributes"]] == ["department", "manager"]


# --- a full sync: PUTs of users as they are -------------------------------------------------------


async def stored(idp: Provider, user: dict[str, Any]) -> dict[str, Any]:
    """What the database holds of a user and their organization: the row versions of their profile
    and identity (`xmin`/`xmax`: any write, and any row lock, moves them), the profile's version,
    the identity's revision, and the organization's outbox rows (the events to publish) and audit
    entries."""
    org = idp.org.written
    async with org.engine.connect() as connection:
        person = (
            await connection.execute(
                text("SELECT xmin::text, xmax::text, version FROM profiles.people WHERE id = :id"),
                {"id": user["id"]},
            )
        ).one()
        identity = (
            await connection.execute(
                text(
                    "SELECT xmin::text, xmax::text, revision FROM profiles.scim_identities"
                    " WHERE person_id = :id"
                ),
                {"id": user["id"]},
            )
        ).one()
        outbox = await connection.scalar(
            text(
                "SELECT count(*) FROM profiles.outbox"
                " WHERE convert_from(payload, 'UTF8')::jsonb ->> 'organization' = :org"
            ),
            {"org": org.organization},
        )
        audit = await connection.scalar(
            text("SELECT count(*) FROM profiles.audit_log WHERE organization = :org"),
            {"org": org.organization},
        )
    return {
        "person_row": tuple(person[:2]),
        "version": person.version,
        "identity_row": tuple(identity[:2]),
        "revision": identity.revision,
        "outbox": outbox,
        "audit": audit,
    }


async def test_a_put_of_users_as_they_are_writes_locks_and_publishes_nothing(idp: Provider) -> None:
    manager = await idp.create()
    body = user_body(**{ENTERPRISE: {"department": "Research", "manager": {"value": manager["id"]}}})
    created = await idp.request("POST", "/Users", body)
    assert created.status_code == 201, created.text
    user = created.json()
    fetched = (await idp.request("GET", f"/Users/{user['id']}")).json()
    before = await stored(idp, user)

    # What the HR system sent at first, and what a client that reads before it writes sends back.
    for identical in (body, fetched):
        response = await idp.request("PUT", f"/Users/{user['id']}", identical)

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == user["meta"]["version"]
        assert response.json() == fetched
        assert await stored(idp, user) == before
    assert await idp.event_types() == ["person.created", "person.created"]


async def test_a_put_changing_a_field_writes_it_and_publishes_one_update(idp: Provider) -> None:
    body = user_body()
    user = (await idp.request("POST", "/Users", body)).json()
    before = await stored(idp, user)

    response = await idp.request("PUT", f"/Users/{user['id']}", {**body, "title": "Staff ML Engineer"})

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] != user["meta"]["version"]
    assert response.json() == (await idp.request("GET", f"/Users/{user['id']}")).json()
    assert response.json()["title"] == "Staff ML Engineer"
    after = await stored(idp, user)
    assert after["version"] == before["version"] + 1 and after["revision"] == before["revision"]
    assert after["outbox"] == before["outbox"] + 1
    events = await idp.org.written.events()
    assert events[-1]["type"] == "mentorship.profiles.person.updated.v1"
    assert events[-1]["data"]["changed"] == ["title"]


async def test_a_put_changing_only_what_scim_keeps_moves_no_profile_version(idp: Provider) -> None:
    body = user_body()
    user = (await idp.request("POST", "/Users", body)).json()
    before = await stored(idp, user)
    renamed = {**body, "name": {**body["name"], "givenName": "Babs"}}

    response = await idp.request("PUT", f"/Users/{user['id']}", renamed)

    assert response.status_code == 200, response.text
    assert response.json()["name"]["givenName"] == "Babs"
    assert response.json() == (await idp.request("GET", f"/Users/{user['id']}")).json()
    after = await stored(idp, user)
    assert (after["version"], after["outbox"]) == (before["version"], before["outbox"])
    assert after["revision"] == before["revision"] + 1


@pytest.mark.parametrize("other_change", ["department", "name.givenName"])
async def test_concurrent_puts_each_replace_the_whole_user(idp: Provider, other_change: str) -> None:
    body = user_body()
    user = (await idp.request("POST", "/Users", body)).json()
    promoted = {**body, "title": "Staff ML Engineer"}
    if other_change == "department":
        other = {**body, ENTERPRISE: {"department": "Platform"}}
    else:  # kept by SCIM alone: it moves no profile version
        other = {**body, "name": {**body["name"], "givenName": "Babs"}}

    def state(user: dict[str, Any]) -> tuple[Any, ...]:
        return user.get("title"), user[ENTERPRISE].get("department"), user["name"]["givenName"]

    responses = await asyncio.gather(
        *(idp.request("PUT", f"/Users/{user['id']}", replacement) for replacement in (promoted, other) * 3)
    )

    assert [response.status_code for response in responses] == [200] * 6
    final = (await idp.request("GET", f"/Users/{user['id']}")).json()
    # One of the two as a whole, never a mix of them.
    assert state(final) in {state(promoted), state(other)}


async def test_a_put_read_before_another_commits_still_replaces_the_whole_user(idp: Provider) -> None:
    """A PUT works its change out from a read without locks, so another PUT may commit between
    that read and its writes: one that changed only what SCIM keeps (the identity), which moves no
    profile version. The first must still leave its whole user behind, identity included."""
    manager = await idp.create()
    body = user_body()
    user = (await idp.request("POST", "/Users", body)).json()
    moved = {**body, ENTERPRISE: {"department": "Research", "manager": {"value": manager["id"]}}}
    renamed = {**body, "name": {**body["name"], "givenName": "Babs"}}
    engine = idp.org.written.engine

    async def waiting_for_the_reporting_line() -> bool:
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
        return bool(waiting)

    # The move takes the organization's reporting-line lock before it locks the person: holding
    # that lock stops it between its read and its writes.
    async with engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"profiles.reporting-line.{idp.org.id}"},
        )
        move = asyncio.create_task(idp.request("PUT", f"/Users/{user['id']}", moved))
        await eventually(waiting_for_the_reporting_line)
        rename = await idp.request("PUT", f"/Users/{user['id']}", renamed)
        assert rename.status_code == 200, rename.text
        await transaction.rollback()
    response = await move

    assert response.status_code == 200, response.text
    final = (await idp.request("GET", f"/Users/{user['id']}")).json()
    assert final[ENTERPRISE]["manager"]["value"] == manager["id"]
    assert final["name"] == body["name"]  # the move's whole user: not the rename's given name
    assert final == response.json()
