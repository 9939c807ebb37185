"""Managers: another person of the same organization, with no cycle in the reporting line."""

from __future__ import annotations

import asyncio

from tests.profiles.conftest import Org, assert_problem


async def set_manager(org: Org, person: dict, manager: dict | None, version: int = 1) -> object:
    return await org.client.patch(
        f"/v1/people/{person['id']}",
        json={"manager_id": manager["id"] if manager else None},
        headers={**org.admin, "If-Match": f'"{version}"'},
    )


async def test_a_person_reports_to_a_manager_of_the_organization(org: Org) -> None:
    manager = await org.person(name="Manager")
    report = await org.person(name="Report", manager_id=manager["id"])
    assert report["manager_id"] == manager["id"]


async def test_manager_cycle_is_rejected(org: Org) -> None:
    ceo = await org.person(name="CEO")
    vp = await org.person(name="VP", manager_id=ceo["id"])
    lead = await org.person(name="Lead", manager_id=vp["id"])
    before = await org.written.snapshot()

    response = await set_manager(org, ceo, lead)

    problem = assert_problem(response, 422, "manager_id")
    assert "cycle" in problem["errors"][0]["message"]
    assert await org.written.snapshot() == before


async def test_a_person_cannot_be_their_own_manager(org: Org) -> None:
    person = await org.person()
    assert_problem(await set_manager(org, person, person), 422, "manager_id")


async def test_a_manager_of_another_organization_is_unknown(org: Org) -> None:
    elsewhere = org.auth("other-" + org.id, "admin", "admin")
    response = await org.client.post(
        "/v1/people",
        json={"email": "x@example.com", "name": "X", "time_zone": "UTC", "languages": ["en"]},
        headers=elsewhere,
    )
    foreign = response.json()
    person = await org.person()
    assert_problem(await set_manager(org, person, foreign), 422, "manager_id")


async def test_the_manager_can_be_removed(org: Org) -> None:
    manager = await org.person()
    report = await org.person(manager_id=manager["id"])
    response = await set_manager(org, report, None)
    assert response.status_code == 200 and response.json()["manager_id"] is None


async def test_two_concurrent_changes_cannot_make_two_people_manage_each_other(org: Org) -> None:
    first = await org.person(name="First")
    second = await org.person(name="Second")

    responses = await asyncio.gather(set_manager(org, first, second), set_manager(org, second, first))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 422]
