"""Who may export and erase whom: a person exports only themselves, an admin acts only within their
organization, and an integration token can do neither unless the organization allows it."""

from __future__ import annotations

import pytest

from mentorship.platform_client import ApiError, PlatformClient
from tests.privacy.conftest import World, known_person, until_accepted


async def _refused(call: object, status: int) -> ApiError:
    with pytest.raises(ApiError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.status_code == status, refused.value
    assert refused.value.problem.get("status") == status
    return refused.value


async def test_a_person_exports_only_themselves_and_sees_only_their_own_exports(world: World) -> None:
    client = world.organization()
    ada, bob = await known_person(client, "Ada Lovelace"), await known_person(client, "Bob Marley")
    as_ada = PlatformClient.person(str(ada["id"]), "mentee")
    as_bob = PlatformClient.person(str(bob["id"]), "mentor")

    await _refused(client.request_export(str(bob["id"]), actor=as_ada), 403)
    export = await client.request_export(actor=as_ada)
    assert export["person_id"] == ada["id"]
    assert (export["requested_by"], export["requested_by_type"]) == (ada["id"], "person")
    assert export["status"] == "collecting"

    assert (await client.get_export(export["id"], actor=as_ada))["id"] == export["id"]
    await _refused(client.get_export(export["id"], actor=as_bob), 404)
    await _refused(client.download_export(export["id"], actor=as_bob), 404)
    # The admin follows every export of the organization.
    assert (await client.get_export(export["id"]))["id"] == export["id"]
    # A person neither erases, nor reads the trail or the policy.
    await _refused(client.request_erasure(str(bob["id"]), actor=as_ada), 403)
    await _refused(client.call("privacy", "GET", "/v1/audit-entries", actor=as_ada), 403)
    await _refused(client.call("privacy", "GET", "/v1/policy", actor=as_ada), 403)


async def test_an_admin_acts_on_behalf_of_people_of_their_own_organization_only(world: World) -> None:
    client, stranger = world.organization(), world.organization()
    ada = await known_person(client)
    export = await client.request_export(str(ada["id"]))
    assert (export["requested_by"], export["requested_by_type"]) == (client.admin.subject, "admin")
    # The person sees what was asked on their behalf.
    as_ada = PlatformClient.person(str(ada["id"]), "mentee")
    assert (await client.get_export(export["id"], actor=as_ada))["requested_by"] == client.admin.subject

    # Another organization's admin learns nothing: not the person, not the export, not the trail.
    await _refused(stranger.request_export(str(ada["id"])), 404)
    await _refused(stranger.get_export(export["id"]), 404)
    await _refused(stranger.request_erasure(str(ada["id"])), 404)
    trail = await stranger.audit_entries(resource_id=str(ada["id"]))
    assert trail == []


async def test_integrations_export_and_erase_only_when_the_organization_allows_it(world: World) -> None:
    client = world.organization()
    ada = await known_person(client)
    hr = PlatformClient.integration()
    await _refused(client.request_export(str(ada["id"]), actor=hr), 403)
    await client.deactivate_person(str(ada["id"]))
    await _refused(client.request_erasure(str(ada["id"]), actor=hr), 403)
    # An integration cannot grant itself the right.
    policy = await client.document("privacy", "GET", "/v1/policy")
    change = {
        "retention": policy["retention"],
        "erase_after_days": None,
        "integrations_may_export": True,
        "integrations_may_erase": False,
    }
    await _refused(
        client.call("privacy", "PUT", "/v1/policy", actor=hr, json=change, headers={"If-Match": '"0"'}), 403
    )

    await client.call("privacy", "PUT", "/v1/policy", json=change, headers={"If-Match": '"0"'})
    export = await client.request_export(str(ada["id"]), actor=hr)
    assert (export["requested_by"], export["requested_by_type"]) == (hr.subject, "integration")
    assert (await client.get_export(export["id"], actor=hr))["id"] == export["id"]
    await _refused(client.request_erasure(str(ada["id"]), actor=hr), 403)
    # An integration must name the person: it has no data of its own.
    await _refused(client.request_export(actor=hr), 422)

    await client.call(
        "privacy",
        "PUT",
        "/v1/policy",
        json={**change, "integrations_may_erase": True},
        headers={"If-Match": '"1"'},
    )
    erasure = await until_accepted(
        lambda: client.request_erasure(str(ada["id"]), actor=hr), what="privacy knows the person left"
    )
    assert (erasure["requested_by"], erasure["requested_by_type"], erasure["reason"]) == (
        hr.subject,
        "integration",
        "admin",
    )


async def test_requests_it_cannot_understand_are_problems(world: World) -> None:
    client = world.organization()
    for body in ({"person_id": "not-a-uuid"}, {"person_id": None, "unexpected": 1}):
        response = await client.call("privacy", "POST", "/v1/exports", json=body, expect=(422,))
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await client.call(
        "privacy", "GET", "/v1/audit-entries", params={"since": "yesterday"}, expect=(422,)
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    await _refused(client.get_export("7b0f2a39-0000-4000-8000-000000000000"), 404)
