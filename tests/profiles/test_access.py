"""Who may do what: organizations are sealed off, people see their own profile, and program members
see each other's public part. Anyone else gets a 404 that does not reveal what exists."""

from __future__ import annotations

import uuid

from profiles.schemas import PUBLIC_PERSON_FIELDS, PublicPerson
from tests.profiles.conftest import Org, assert_problem


async def test_other_organization_sees_nothing(org: Org) -> None:
    person = await org.person()
    program = await org.program()
    enrollment = await org.enroll(program, person, "mentee")
    before = await org.written.snapshot()
    intruder = org.auth("intruder-" + org.id, person["id"], "admin", "integration")
    person_url = f"/v1/people/{person['id']}"
    program_url = f"/v1/programs/{program['id']}"
    enrollment_url = f"{program_url}/enrollments/{enrollment['id']}"

    assert_problem(await org.client.get(person_url, headers=intruder), 404)
    assert_problem(
        await org.client.patch(person_url, json={"bio": "x"}, headers={**intruder, "If-Match": '"1"'}), 404
    )
    assert_problem(await org.client.post(f"{person_url}/deactivate", headers=intruder), 404)
    assert_problem(await org.client.get("/v1/me", headers=intruder), 404)
    assert_problem(await org.client.get(program_url, headers=intruder), 404)
    assert_problem(
        await org.client.patch(program_url, json={"name": "x"}, headers={**intruder, "If-Match": '"1"'}), 404
    )
    assert_problem(await org.client.get(f"{program_url}/enrollments", headers=intruder), 404)
    assert_problem(await org.client.get(enrollment_url, headers=intruder), 404)
    assert_problem(
        await org.client.patch(enrollment_url, json={"goals": []}, headers={**intruder, "If-Match": '"1"'}),
        404,
    )
    assert_problem(await org.client.post(f"{enrollment_url}/withdraw", headers=intruder), 404)
    enroll = await org.client.post(
        f"{program_url}/enrollments", json={"person_id": person["id"], "role": "mentor"}, headers=intruder
    )
    assert_problem(enroll, 404)
    for path in ("/v1/people", "/v1/programs", "/v1/me/enrollments"):
        listing = await org.client.get(path, headers=intruder)
        assert listing.status_code == 200 and listing.json()["items"] == []
    assert await org.written.snapshot() == before


async def test_mentee_cannot_edit_someone_else(org: Org) -> None:
    program = await org.program()
    mentee = await org.person(name="Mentee")
    colleague = await org.person(name="Fellow member")
    stranger = await org.person(name="Stranger")
    await org.enroll(program, mentee, "mentee")
    await org.enroll(program, colleague, "mentor")
    before = await org.written.snapshot()
    headers = {**org.as_person(mentee, "mentee"), "If-Match": '"1"'}

    # Someone the mentee can see: 403. Someone they cannot: 404, as if they did not exist.
    visible = await org.client.patch(f"/v1/people/{colleague['id']}", json={"bio": "x"}, headers=headers)
    invisible = await org.client.patch(f"/v1/people/{stranger['id']}", json={"bio": "x"}, headers=headers)

    assert_problem(visible, 403)
    assert_problem(invisible, 404)
    assert await org.written.snapshot() == before


async def test_program_members_see_each_others_public_profile_only(org: Org) -> None:
    program = await org.program()
    mentor = await org.person(name="Mentor", external_id="HR-1")
    mentee = await org.person(name="Mentee")
    await org.enroll(program, mentor, "mentor")
    await org.enroll(program, mentee, "mentee")

    response = await org.client.get(f"/v1/people/{mentor['id']}", headers=org.as_person(mentee))

    assert response.status_code == 200
    seen = response.json()
    assert seen["view"] == "public"
    assert set(seen) == {"view", *PUBLIC_PERSON_FIELDS}
    for private in (
        "email",
        "external_id",
        "manager_id",
        "learning_interests",
        "goals",
        "availability_overrides",
    ):
        assert private not in seen
    assert seen["skills"] == mentor["skills"] and seen["availability"] == mentor["availability"]
    PublicPerson.model_validate(seen)


async def test_people_without_a_shared_program_are_invisible(org: Org) -> None:
    one, other = await org.program(name="One"), await org.program(name="Other")
    mentee = await org.person()
    elsewhere = await org.person()
    await org.enroll(one, mentee, "mentee")
    await org.enroll(other, elsewhere, "mentor")
    assert_problem(await org.client.get(f"/v1/people/{elsewhere['id']}", headers=org.as_person(mentee)), 404)


async def test_a_withdrawn_member_no_longer_sees_the_program_members(org: Org) -> None:
    program = await org.program()
    mentee = await org.person()
    mentor = await org.person()
    enrollment = await org.enroll(program, mentee, "mentee")
    await org.enroll(program, mentor, "mentor")
    url = f"/v1/people/{mentor['id']}"
    assert (await org.client.get(url, headers=org.as_person(mentee))).status_code == 200

    withdrawn = await org.client.post(
        f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}/withdraw", headers=org.as_person(mentee)
    )
    assert withdrawn.status_code == 200

    assert_problem(await org.client.get(url, headers=org.as_person(mentee)), 404)


async def test_deactivated_people_are_hidden_from_members(org: Org) -> None:
    program = await org.program()
    mentee, mentor = await org.person(), await org.person()
    await org.enroll(program, mentee, "mentee")
    await org.enroll(program, mentor, "mentor")
    await org.client.post(f"/v1/people/{mentor['id']}/deactivate", headers=org.admin)
    assert_problem(await org.client.get(f"/v1/people/{mentor['id']}", headers=org.as_person(mentee)), 404)


async def test_members_list_themselves_and_fellow_members_only(org: Org) -> None:
    program = await org.program()
    mentee, mentor, stranger = (
        await org.person(name="Me"),
        await org.person(name="Mentor"),
        await org.person(),
    )
    await org.enroll(program, mentee, "mentee")
    await org.enroll(program, mentor, "mentor")

    response = await org.client.get("/v1/people", headers=org.as_person(mentee))

    items = {item["id"]: item for item in response.json()["items"]}
    assert set(items) == {mentee["id"], mentor["id"]}
    assert stranger["id"] not in items
    assert items[mentee["id"]]["view"] == "full" and items[mentor["id"]]["view"] == "public"


async def test_members_search_names_but_not_emails_or_external_ids(org: Org) -> None:
    program = await org.program()
    mentee, mentor = await org.person(), await org.person(name="Findable Mentor")
    await org.enroll(program, mentee, "mentee")
    await org.enroll(program, mentor, "mentor")
    headers = org.as_person(mentee)

    by_name = await org.client.get("/v1/people", params={"q": "findable"}, headers=headers)
    by_email = await org.client.get("/v1/people", params={"q": mentor["email"]}, headers=headers)
    by_external_id = await org.client.get("/v1/people", params={"external_id": "x"}, headers=headers)

    assert [item["id"] for item in by_name.json()["items"]] == [mentor["id"]]
    assert by_email.json()["items"] == []
    assert_problem(by_external_id, 403)


async def test_a_person_sees_their_whole_profile_even_if_deactivated(org: Org) -> None:
    person = await org.person()
    await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.admin)
    response = await org.client.get(f"/v1/people/{person['id']}", headers=org.as_person(person))
    assert response.status_code == 200 and response.json()["view"] == "full"


async def test_the_integration_cannot_manage_programs(org: Org) -> None:
    integration = org.auth(org.id, "hr-sync", "integration")
    response = await org.client.post(
        "/v1/programs",
        json={
            "name": "P",
            "objective": "onboarding",
            "cohort_start": "2026-01-01",
            "cohort_end": "2026-02-01",
        },
        headers=integration,
    )
    assert_problem(response, 403)


async def test_a_token_whose_subject_is_not_a_person_sees_no_one(org: Org) -> None:
    person = await org.person()
    headers = org.auth(org.id, "service-account", "mentor")
    assert_problem(await org.client.get(f"/v1/people/{person['id']}", headers=headers), 404)
    assert (await org.client.get("/v1/people", headers=headers)).json()["items"] == []


async def test_an_unknown_person_id_is_404_for_admins_too(org: Org) -> None:
    response = await org.client.get(f"/v1/people/{uuid.uuid4()}", headers=org.admin)
    assert_problem(response, 404)
    response = await org.client.patch(
        f"/v1/people/{uuid.uuid4()}", json={"name": "x"}, headers={**org.admin, "If-Match": '"1"'}
    )
    assert_problem(response, 404)
