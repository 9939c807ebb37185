"""Courses through the API: one per program and role, only of the organization's published modules,
and a module of another organization is "not found" exactly like one that does not exist."""

from __future__ import annotations

import uuid

from tests.training.conftest import Org


async def test_a_course_lists_published_modules_in_order(org: Org) -> None:
    await org.program()
    first, second = await org.module(title="First"), await org.module(title="Second")
    course = await org.course([second["id"], first["id"]], role="mentee", due_days=21)
    assert [(m["position"], m["title"]) for m in course["modules"]] == [(1, "Second"), (2, "First")]
    assert (course["role"], course["due_days"], course["estimated_minutes"]) == ("mentee", 21, 20)
    listed = await org.client.get(f"/v1/programs/{org.program_id}/courses", headers=org.admin)
    assert [item["id"] for item in listed.json()["items"]] == [course["id"]]


async def test_a_module_of_another_organization_is_not_found_like_a_missing_one(org: Org) -> None:
    await org.program()
    own = await org.module()
    other = Org(bus=org.bus, auth=org.auth, client=org.client)
    foreign = await other.module(title="Someone else's module")
    response = await org.client.post(
        f"/v1/programs/{org.program_id}/courses",
        json={
            "role": "mentor",
            "title": "Onboarding",
            "due_days": 14,
            "module_ids": [own["id"], foreign["id"], str(uuid.uuid4())],
        },
        headers=org.admin,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(error["field"], error["message"]) for error in errors] == [
        ("body.module_ids.1", "module not found"),
        ("body.module_ids.2", "module not found"),
    ]
    courses = await org.client.get(f"/v1/programs/{org.program_id}/courses", headers=org.admin)
    assert courses.json()["items"] == []  # nothing was written


async def test_drafts_and_duplicates_cannot_make_a_course(org: Org) -> None:
    await org.program()
    published = await org.module()
    draft = (
        await org.client.post(
            "/v1/modules",
            json={"title": "Draft", "audience": "mentor", "estimated_minutes": 5, "body_markdown": "x"},
            headers=org.admin,
        )
    ).json()
    response = await org.client.post(
        f"/v1/programs/{org.program_id}/courses",
        json={
            "role": "mentor",
            "title": "x",
            "due_days": 7,
            "module_ids": [published["id"], published["id"], draft["id"]],
        },
        headers=org.admin,
    )
    assert [error["message"] for error in response.json()["errors"]] == [
        "the module is listed twice",
        "the module is not published yet",
    ]


async def test_one_course_per_program_and_role(org: Org) -> None:
    await org.program()
    module = await org.module()
    await org.course([module["id"]], role="mentor")
    again = await org.client.post(
        f"/v1/programs/{org.program_id}/courses",
        json={"role": "mentor", "title": "Second", "due_days": 7, "module_ids": [module["id"]]},
        headers=org.admin,
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/course-exists"


async def test_a_program_of_another_organization_is_not_found(org: Org) -> None:
    await org.program()
    module = await org.module()
    other_admin = org.auth("org-other-" + uuid.uuid4().hex[:6], str(uuid.uuid4()), "admin")
    response = await org.client.post(
        f"/v1/programs/{org.program_id}/courses",
        json={"role": "mentor", "title": "x", "due_days": 7, "module_ids": [module["id"]]},
        headers=other_admin,
    )
    assert response.status_code == 404
    for path in (
        f"/v1/programs/{org.program_id}/courses",
        f"/v1/programs/{org.program_id}/readiness-gates",
        f"/v1/programs/{org.program_id}/training-report",
        f"/v1/programs/{org.program_id}/training-report/overdue",
    ):
        assert (await org.client.get(path, headers=other_admin)).status_code == 404, path


async def test_course_changes_need_the_current_etag_and_only_admins_write(org: Org) -> None:
    await org.program()
    module = await org.module()
    course = await org.course([module["id"]])
    path = f"/v1/courses/{course['id']}"
    assert (await org.client.patch(path, json={"due_days": 30}, headers=org.admin)).status_code == 428
    stale = await org.client.patch(path, json={"due_days": 30}, headers={**org.admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    mentor = org.as_person(uuid.uuid4(), "mentor")
    assert (
        await org.client.patch(path, json={"due_days": 30}, headers={**mentor, "If-Match": '"1"'})
    ).status_code == 403
    changed = await org.client.patch(path, json={"due_days": 30}, headers={**org.admin, "If-Match": '"1"'})
    assert (
        changed.status_code == 200 and changed.json()["due_days"] == 30 and changed.headers["ETag"] == '"2"'
    )
