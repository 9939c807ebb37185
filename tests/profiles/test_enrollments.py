"""Enrollments: people in programs as mentor or mentee, and what each of them may change."""

from __future__ import annotations

from typing import Any

from profiles.schemas import Enrollment, EnrollmentPage
from tests.profiles.conftest import Org, assert_problem


def enrollments_url(program: dict[str, Any], enrollment: dict[str, Any] | None = None) -> str:
    url = f"/v1/programs/{program['id']}/enrollments"
    return f"{url}/{enrollment['id']}" if enrollment else url


async def test_admin_enrolls_a_mentor_and_a_mentee_as_active(org: Org) -> None:
    program = await org.program()
    mentor, mentee = await org.person(), await org.person()
    response = await org.client.post(
        enrollments_url(program),
        json={"person_id": mentor["id"], "role": "mentor", "mentor_capacity": 2, "goals": ["Grow mentees"]},
        headers=org.admin,
    )
    assert response.status_code == 201
    enrollment = response.json()
    Enrollment.model_validate(enrollment)
    assert response.headers["Location"] == enrollments_url(program, enrollment)
    assert response.headers["ETag"] == '"1"'
    assert enrollment["status"] == "active" and enrollment["role"] == "mentor"
    assert enrollment["mentor_capacity"] == 2 and enrollment["goals"] == ["Grow mentees"]
    mentee_enrollment = await org.enroll(program, mentee, "mentee")
    assert mentee_enrollment["status"] == "active"


async def test_a_person_enrolls_themself_and_starts_pending(org: Org) -> None:
    program = await org.program()
    person = await org.person()
    response = await org.client.post(
        enrollments_url(program),
        json={"role": "mentee", "goals": ["Learn MLOps"]},
        headers=org.as_person(person),
    )
    assert response.status_code == 201
    assert response.json()["person_id"] == person["id"] and response.json()["status"] == "pending"


async def test_a_person_cannot_enroll_someone_else_or_activate_themself(org: Org) -> None:
    program = await org.program()
    person, other = await org.person(), await org.person()
    headers = org.as_person(person)
    assert_problem(
        await org.client.post(
            enrollments_url(program), json={"person_id": other["id"], "role": "mentee"}, headers=headers
        ),
        403,
    )
    assert_problem(
        await org.client.post(
            enrollments_url(program), json={"role": "mentee", "status": "active"}, headers=headers
        ),
        403,
    )
    assert await org.written.count("enrollments") == 0


async def test_one_role_per_program_but_different_roles_in_different_programs(org: Org) -> None:
    first, second = await org.program(name="First"), await org.program(name="Second")
    person = await org.person()
    await org.enroll(first, person, "mentor")
    before = await org.written.snapshot()
    for role in ("mentor", "mentee"):
        response = await org.client.post(
            enrollments_url(first), json={"person_id": person["id"], "role": role}, headers=org.admin
        )
        assert_problem(response, 409, "person_id")
    assert await org.written.snapshot() == before
    assert (await org.enroll(second, person, "mentee"))["role"] == "mentee"


async def test_enrollment_is_refused_for_unknown_or_deactivated_people(org: Org) -> None:
    program = await org.program()
    person = await org.person()
    await org.client.post(f"/v1/people/{person['id']}/deactivate", headers=org.admin)
    before = await org.written.snapshot()
    for person_id in (person["id"], "00000000-0000-4000-8000-00000000abcd"):
        response = await org.client.post(
            enrollments_url(program), json={"person_id": person_id, "role": "mentee"}, headers=org.admin
        )
        assert_problem(response, 422, "person_id")
    assert await org.written.snapshot() == before


async def test_a_mentee_has_no_mentor_capacity(org: Org) -> None:
    program, person = await org.program(), await org.person()
    response = await org.client.post(
        enrollments_url(program),
        json={"person_id": person["id"], "role": "mentee", "mentor_capacity": 2},
        headers=org.admin,
    )
    assert_problem(response, 422)
    assert await org.written.count("enrollments") == 0


async def test_invalid_enrollments_are_422(org: Org) -> None:
    program, person = await org.program(), await org.person()
    for body, field in (
        ({"person_id": person["id"], "role": "coach"}, "role"),
        ({"person_id": person["id"], "role": "mentor", "mentor_capacity": 21}, "mentor_capacity"),
        ({"person_id": person["id"], "role": "mentor", "status": "completed"}, "status"),
        ({"person_id": person["id"], "role": "mentor", "goals": [""]}, "goals"),
        ({"person_id": person["id"], "role": "mentor", "bogus": True}, "bogus"),
    ):
        assert_problem(
            await org.client.post(enrollments_url(program), json=body, headers=org.admin), 422, field
        )
    assert await org.written.count("enrollments") == 0


async def test_no_enrollment_in_a_closed_program_and_none_in_a_draft_for_members(org: Org) -> None:
    closed = await org.program(name="Closed")
    await org.client.patch(
        f"/v1/programs/{closed['id']}", json={"status": "closed"}, headers={**org.admin, "If-Match": '"1"'}
    )
    draft = await org.program(name="Draft", status="draft")
    person = await org.person()
    response = await org.client.post(
        enrollments_url(closed), json={"person_id": person["id"], "role": "mentee"}, headers=org.admin
    )
    assert assert_problem(response, 409)["type"] == "/problems/program-closed"
    response = await org.client.post(
        enrollments_url(draft), json={"role": "mentee"}, headers=org.as_person(person)
    )
    assert_problem(response, 404)


async def test_admins_list_every_enrollment_members_the_live_ones(org: Org) -> None:
    program = await org.program()
    mentor, mentee, gone = await org.person(), await org.person(), await org.person()
    mentor_enrollment = await org.enroll(program, mentor, "mentor")
    mentee_enrollment = await org.enroll(program, mentee, "mentee")
    gone_enrollment = await org.enroll(program, gone, "mentee")
    await org.client.post(f"{enrollments_url(program, gone_enrollment)}/withdraw", headers=org.admin)

    admin_view = await org.client.get(enrollments_url(program), headers=org.admin)
    member_view = await org.client.get(enrollments_url(program), headers=org.as_person(mentee))
    mentors_only = await org.client.get(
        enrollments_url(program), params={"role": "mentor"}, headers=org.admin
    )

    assert len(EnrollmentPage.model_validate(admin_view.json()).items) == 3
    items = {item["id"]: item for item in member_view.json()["items"]}
    assert set(items) == {mentor_enrollment["id"], mentee_enrollment["id"]}
    assert items[mentee_enrollment["id"]]["view"] == "full"
    assert items[mentor_enrollment["id"]] == {
        "view": "public",
        "id": mentor_enrollment["id"],
        "version": 1,
        "program_id": program["id"],
        "person_id": mentor["id"],
        "role": "mentor",
        "status": "active",
    }
    assert [item["id"] for item in mentors_only.json()["items"]] == [mentor_enrollment["id"]]


async def test_non_members_cannot_list_a_programs_enrollments(org: Org) -> None:
    program = await org.program()
    outsider = await org.person()
    assert_problem(await org.client.get(enrollments_url(program), headers=org.as_person(outsider)), 403)


async def test_a_member_reads_another_members_enrollment_publicly_and_their_own_fully(org: Org) -> None:
    program = await org.program()
    mentor, mentee, outsider = await org.person(), await org.person(), await org.person()
    mentor_enrollment = await org.enroll(program, mentor, "mentor")
    mentee_enrollment = await org.enroll(program, mentee, "mentee")
    other = await org.client.get(enrollments_url(program, mentor_enrollment), headers=org.as_person(mentee))
    own = await org.client.get(enrollments_url(program, mentee_enrollment), headers=org.as_person(mentee))
    assert other.json()["view"] == "public" and "goals" not in other.json()
    assert own.json()["view"] == "full" and own.headers["ETag"] == '"1"'
    assert_problem(
        await org.client.get(enrollments_url(program, mentor_enrollment), headers=org.as_person(outsider)),
        404,
    )


async def test_the_enrolled_person_changes_their_goals_with_if_match(org: Org) -> None:
    program, person = await org.program(), await org.person()
    enrollment = await org.enroll(program, person, "mentee")
    url = enrollments_url(program, enrollment)
    assert_problem(await org.client.patch(url, json={"goals": ["x"]}, headers=org.as_person(person)), 428)
    response = await org.client.patch(
        url, json={"goals": ["Ship a model"]}, headers={**org.as_person(person), "If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.json()["goals"] == ["Ship a model"]
    assert response.json()["version"] == 2 and response.headers["ETag"] == '"2"'
    assert_problem(
        await org.client.patch(url, json={"goals": []}, headers={**org.as_person(person), "If-Match": '"1"'}),
        412,
    )


async def test_a_member_cannot_change_someone_elses_enrollment(org: Org) -> None:
    program = await org.program()
    mentor, mentee = await org.person(), await org.person()
    mentor_enrollment = await org.enroll(program, mentor, "mentor")
    await org.enroll(program, mentee, "mentee")
    before = await org.written.snapshot()
    response = await org.client.patch(
        enrollments_url(program, mentor_enrollment),
        json={"goals": []},
        headers={**org.as_person(mentee), "If-Match": '"1"'},
    )
    assert_problem(response, 403)
    response = await org.client.post(
        f"{enrollments_url(program, mentor_enrollment)}/withdraw", headers=org.as_person(mentee)
    )
    assert_problem(response, 403)
    assert await org.written.snapshot() == before


async def test_status_changes_follow_the_lifecycle_and_who_may_make_them(org: Org) -> None:
    program, person = await org.program(), await org.person()
    response = await org.client.post(
        enrollments_url(program), json={"role": "mentee"}, headers=org.as_person(person)
    )
    enrollment = response.json()
    url = enrollments_url(program, enrollment)

    async def move(status: str, headers: dict[str, str], version: int) -> Any:
        return await org.client.patch(
            url, json={"status": status}, headers={**headers, "If-Match": f'"{version}"'}
        )

    assert_problem(await move("active", org.as_person(person), 1), 403)  # only admins admit
    assert (await move("active", org.admin, 1)).json()["status"] == "active"
    assert_problem(await move("pending", org.admin, 2), 409)  # active cannot go back to pending
    assert_problem(await move("completed", org.as_person(person), 2), 403)  # only admins complete
    assert (await move("withdrawn", org.as_person(person), 2)).json()["status"] == "withdrawn"
    assert (await move("pending", org.as_person(person), 3)).json()["status"] == "pending"  # re-applies
    assert (await move("active", org.admin, 4)).json()["status"] == "active"
    assert (await move("completed", org.admin, 5)).json()["status"] == "completed"
    assert_problem(await move("active", org.admin, 6), 409)  # completed is final
    assert_problem(
        await org.client.patch(url, json={"mentor_capacity": 3}, headers={**org.admin, "If-Match": '"6"'}),
        422,
    )  # a mentee has no capacity


async def test_only_admins_change_an_enrollments_capacity(org: Org) -> None:
    program, mentor = await org.program(), await org.person()
    enrollment = await org.enroll(program, mentor, "mentor")
    url = enrollments_url(program, enrollment)
    assert_problem(
        await org.client.patch(
            url, json={"mentor_capacity": 5}, headers={**org.as_person(mentor), "If-Match": '"1"'}
        ),
        403,
    )
    response = await org.client.patch(
        url, json={"mentor_capacity": 5}, headers={**org.admin, "If-Match": '"1"'}
    )
    assert response.json()["mentor_capacity"] == 5


async def test_withdrawing_is_idempotent_and_publishes_one_withdrawal(org: Org) -> None:
    program, person = await org.program(), await org.person()
    enrollment = await org.enroll(program, person, "mentee")
    url = f"{enrollments_url(program, enrollment)}/withdraw"
    first = await org.client.post(url, headers=org.as_person(person))
    second = await org.client.post(url, headers=org.as_person(person))
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "withdrawn"
    assert second.json()["version"] == 2
    types = [event["type"] for event in await org.written.events()]
    assert types.count("mentorship.profiles.enrollment.withdrawn.v1") == 1


async def test_a_completed_enrollment_cannot_be_withdrawn(org: Org) -> None:
    program, person = await org.program(), await org.person()
    enrollment = await org.enroll(program, person, "mentee")
    await org.client.patch(
        enrollments_url(program, enrollment),
        json={"status": "completed"},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert_problem(
        await org.client.post(f"{enrollments_url(program, enrollment)}/withdraw", headers=org.admin), 409
    )


async def test_a_person_lists_their_own_enrollments(org: Org) -> None:
    first, second = await org.program(name="A"), await org.program(name="B")
    person = await org.person()
    one = await org.enroll(first, person, "mentor")
    two = await org.enroll(second, person, "mentee")
    await org.enroll(first, await org.person(), "mentee")
    response = await org.client.get("/v1/me/enrollments", headers=org.as_person(person))
    assert [item["id"] for item in response.json()["items"]] == [one["id"], two["id"]]
