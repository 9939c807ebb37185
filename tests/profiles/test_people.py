"""People: creating, reading, changing, deactivating and listing profiles through the API."""

from __future__ import annotations

import uuid

import httpx

from profiles.schemas import Person, PersonPage
from tests.profiles.conftest import Org, assert_problem, person_body


async def test_admin_creates_a_person_and_reads_the_same_profile_back(org: Org) -> None:
    body = person_body(email="Ada.Lovelace@Example.COM", external_id="HR-1")
    created = await org.client.post("/v1/people", json=body, headers=org.admin)

    assert created.status_code == 201
    person = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/v1/people/{person['id']}"
    assert person["view"] == "full" and person["version"] == 1 and person["active"] is True
    assert person["organization"] == org.id
    assert person["email"] == "ada.lovelace@example.com"
    Person.model_validate(person)

    fetched = await org.client.get(f"/v1/people/{person['id']}", headers=org.admin)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json() == person
    Person.model_validate(fetched.json())


async def test_the_person_id_can_be_chosen_so_it_matches_their_token_subject(org: Org) -> None:
    chosen = str(uuid.uuid4())
    person = await org.person(id=chosen)
    me = await org.client.get("/v1/me", headers=org.as_person(chosen))
    assert person["id"] == chosen
    assert me.status_code == 200 and me.json()["id"] == chosen and me.headers["ETag"] == '"1"'


async def test_hr_integration_creates_and_deactivates_people(org: Org) -> None:
    integration = org.auth(org.id, "workday-sync", "integration")
    created = await org.client.post("/v1/people", json=person_body(external_id="W-7"), headers=integration)
    assert created.status_code == 201
    deactivated = await org.client.post(f"/v1/people/{created.json()['id']}/deactivate", headers=integration)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False


async def test_mentors_and_mentees_cannot_create_people(org: Org) -> None:
    for role in ("mentor", "mentee"):
        response = await org.client.post(
            "/v1/people", json=person_body(), headers=org.auth(org.id, str(uuid.uuid4()), role)
        )
        assert_problem(response, 403)
    assert await org.written.snapshot() == {
        "people": 0, "programs": 0, "enrollments": 0, "custom_skills": 0, "idempotency_keys": 0, "events": 0,
    }  # fmt: skip


async def test_me_is_404_for_a_caller_without_a_profile(org: Org) -> None:
    assert_problem(await org.client.get("/v1/me", headers=org.auth(org.id, "hr-bot", "integration")), 404)
    assert_problem(await org.client.get("/v1/me", headers=org.as_person(str(uuid.uuid4()))), 404)


async def test_a_person_edits_their_own_profile(org: Org) -> None:
    person = await org.person()
    response = await org.client.patch(
        f"/v1/people/{person['id']}",
        json={"bio": "Now into RL.", "skills": [{"skill": "reinforcement-learning", "level": 2}]},
        headers={**org.as_person(person), "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    changed = response.json()
    assert changed["version"] == 2 and changed["bio"] == "Now into RL."
    assert changed["skills"] == [{"skill": "reinforcement-learning", "level": 2}]
    assert changed["name"] == person["name"]  # fields left out are kept
    assert changed["updated_at"] > person["updated_at"] and changed["created_at"] == person["created_at"]


async def test_a_person_cannot_change_the_fields_reserved_for_admins(org: Org) -> None:
    person = await org.person()
    before = await org.written.snapshot()
    for field, value in [
        ("email", "new@example.com"),
        ("external_id", "X"),
        ("department", "Sales"),
        ("manager_id", None),
        ("seniority", "principal"),
    ]:
        response = await org.client.patch(
            f"/v1/people/{person['id']}",
            json={field: value, "bio": "sneaky"},
            headers={**org.as_person(person), "If-Match": '"1"'},
        )
        assert_problem(response, 403, field)
    assert await org.written.snapshot() == before


async def test_admin_changes_fields_reserved_for_admins(org: Org) -> None:
    person = await org.person()
    response = await org.client.patch(
        f"/v1/people/{person['id']}",
        json={"department": "Platform", "seniority": "staff", "external_id": "HR-9"},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert response.json()["department"] == "Platform" and response.json()["external_id"] == "HR-9"


async def test_null_clears_an_optional_field_but_not_a_required_one(org: Org) -> None:
    person = await org.person()
    url = f"/v1/people/{person['id']}"
    cleared = await org.client.patch(
        url, json={"title": None, "goals": None}, headers={**org.admin, "If-Match": '"1"'}
    )
    assert cleared.status_code == 200
    assert cleared.json()["title"] is None and cleared.json()["goals"] == []
    before = await org.written.snapshot()
    refused = await org.client.patch(url, json={"name": None}, headers={**org.admin, "If-Match": '"2"'})
    assert_problem(refused, 422, "name")
    assert await org.written.snapshot() == before


async def test_a_patch_that_changes_nothing_keeps_the_version_and_publishes_nothing(org: Org) -> None:
    person = await org.person()
    response = await org.client.patch(
        f"/v1/people/{person['id']}",
        json={"name": person["name"], "languages": person["languages"]},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200 and response.json()["version"] == 1
    assert len(await org.written.events()) == 1  # the creation only


async def test_deactivate_and_reactivate_each_bump_the_version_once(org: Org) -> None:
    person = await org.person()
    url = f"/v1/people/{person['id']}"
    first = await org.client.post(f"{url}/deactivate", headers=org.admin)
    again = await org.client.post(f"{url}/deactivate", headers=org.admin)
    assert first.status_code == again.status_code == 200
    assert first.json()["active"] is False and first.json()["version"] == 2
    assert again.json()["version"] == 2  # deactivating twice changes nothing
    back = await org.client.post(f"{url}/reactivate", headers={**org.admin, "If-Match": '"2"'})
    assert back.json()["active"] is True and back.json()["version"] == 3
    types = [event["type"].split(".")[-2] for event in await org.written.events()]
    assert types == ["created", "deactivated", "reactivated"]


async def test_deactivation_with_a_stale_if_match_is_412(org: Org) -> None:
    person = await org.person()
    response = await org.client.post(
        f"/v1/people/{person['id']}/deactivate", headers={**org.admin, "If-Match": '"7"'}
    )
    assert_problem(response, 412)


async def test_mentees_cannot_deactivate_anyone(org: Org) -> None:
    person = await org.person()
    response = await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.as_person(person))
    assert_problem(response, 403)


async def test_people_are_listed_page_by_page_with_a_cursor(org: Org) -> None:
    created = [await org.person(name=f"Person {index}") for index in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await org.client.get("/v1/people", params=params, headers=org.admin)
        assert response.status_code == 200
        page = PersonPage.model_validate(response.json())
        seen += [str(item.id) for item in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == [person["id"] for person in created]


async def test_people_are_filtered_by_department_activity_skill_name_and_external_id(org: Org) -> None:
    ada = await org.person(name="Ada Lovelace", department="Research", external_id="E1")
    alan = await org.person(
        name="Alan Turing", department="Platform", skills=[{"skill": "pytorch", "level": 3}]
    )
    grace = await org.person(name="Grace Hopper", department="Research")
    await org.client.post(f"/v1/people/{grace['id']}/deactivate", headers=org.admin)

    async def ids(**params: str | list[str]) -> list[str]:
        response = await org.client.get("/v1/people", params=params, headers=org.admin)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(department="Research") == [ada["id"], grace["id"]]
    assert await ids(department="Research", active="true") == [ada["id"]]
    assert await ids(active="false") == [grace["id"]]
    assert await ids(skill="pytorch") == [alan["id"]]
    assert await ids(skill=["python", "nlp"]) == [ada["id"], grace["id"]]
    assert await ids(skill=["python", "pytorch"]) == []
    assert await ids(q="turing") == [alan["id"]]
    assert await ids(q=ada["email"][:6]) == [ada["id"]]
    assert await ids(q="%") == []  # wildcards are literal
    assert await ids(external_id="E1") == [ada["id"]]


async def test_an_invalid_cursor_is_a_400_problem(client: httpx.AsyncClient, org: Org) -> None:
    for cursor in ("not-a-cursor", "WyJ4Il0", "WyJ4IiwieSJd"):
        response = await client.get("/v1/people", params={"cursor": cursor}, headers=org.admin)
        assert_problem(response, 400)


async def test_a_malformed_person_id_is_a_422_problem(client: httpx.AsyncClient, org: Org) -> None:
    assert_problem(await client.get("/v1/people/not-a-uuid", headers=org.admin), 422)


async def test_unknown_routes_answer_problem_json_404(client: httpx.AsyncClient, org: Org) -> None:
    for path in ("/v1/nothing-here", "/v2/people", "/"):
        assert_problem(await client.get(path, headers=org.admin), 404)


async def test_requests_without_a_token_are_401(client: httpx.AsyncClient, org: Org) -> None:
    person = await org.person()
    assert_problem(await client.get(f"/v1/people/{person['id']}"), 401)
    assert_problem(await client.post("/v1/people", json=person_body()), 401)
    assert_problem(await client.get("/v1/people/x", headers={"Authorization": "Bearer nonsense"}), 401)
