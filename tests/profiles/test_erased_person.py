"""An erased person (issue 20) is recorded as such (`erased_at`) and stays erased: neither the API
nor SCIM reactivates or changes them (409 `person-erased`); a rehire is a new person."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from profiles.service.erasure import erase_person
from shared.db import session_factory, transaction
from tests.profiles.conftest import Org, assert_problem
from tests.profiles.test_scim_users import Provider, assert_scim_error, user_body
from tests.profiles.test_self_identification import DEV_BOX


async def erase(org: Org, person_id: str) -> None:
    """What profiles does on the privacy service's request, on a deactivated person."""
    async with transaction(session_factory(org.written.engine)) as session:
        counts = await erase_person(
            session, organization=org.id, person_id=uuid.UUID(person_id), erasure_id=uuid.uuid4(), box=DEV_BOX
        )
    assert counts is not None and counts["people"] in (0, 1)


async def erased_at(org: Org, person_id: str) -> Any:
    async with org.written.engine.connect() as db:
        return await db.scalar(
            text("SELECT erased_at FROM profiles.people WHERE id = :id"), {"id": person_id}
        )


async def test_an_erased_person_is_never_reactivated_nor_changed_through_the_api(org: Org) -> None:
    person = await org.person()
    deactivated = await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.admin)
    assert deactivated.status_code == 200, deactivated.text
    assert await erased_at(org, person["id"]) is None
    await erase(org, person["id"])
    assert await erased_at(org, person["id"]) is not None
    before = await org.written.events()

    refused = await org.client.post(f"/v1/people/{person['id']}/reactivate", headers=org.admin)
    problem = assert_problem(refused, 409)
    assert problem["type"] == "/problems/person-erased" and "erased" in problem["detail"]
    changed = await org.client.patch(f"/v1/people/{person['id']}", json={"name": "Ada"}, headers=org.admin)
    assert assert_problem(changed, 409)["type"] == "/problems/person-erased"

    profile = (await org.client.get(f"/v1/people/{person['id']}", headers=org.admin)).json()
    assert profile["active"] is False and profile["name"] == "Former member"
    assert await org.written.events() == before  # nothing published
    # Deactivating again stays harmless; erasing again changes nothing more.
    assert (
        await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.admin)
    ).status_code == 200
    first = await erased_at(org, person["id"])
    await erase(org, person["id"])
    assert await erased_at(org, person["id"]) == first


async def test_scim_cannot_reactivate_an_erased_user_and_a_rehire_is_a_new_person(org: Org) -> None:
    idp = Provider(org)
    user = await idp.create()
    assert (await idp.request("DELETE", f"/Users/{user['id']}")).status_code == 204
    await erase(org, user["id"])

    patched = await idp.patch(user, {"op": "replace", "path": "active", "value": True})
    error = assert_scim_error(patched, 409)  # a conflict with the user's state, not a uniqueness clash
    assert "erased" in error["detail"]
    replaced = await idp.request("PUT", f"/Users/{user['id']}", user_body())
    assert_scim_error(replaced, 409)
    assert (await idp.profile(user))["active"] is False

    rehired = await idp.request(
        "POST",
        "/Users",
        user_body(externalId=user["externalId"], userName=user["userName"], emails=user["emails"]),
    )
    assert rehired.status_code == 201, rehired.text
    assert rehired.json()["id"] != user["id"] and rehired.json()["active"] is True
