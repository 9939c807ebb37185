"""Who sees whose progress, and the program report admins read."""

from __future__ import annotations

import uuid

from shared.contracts.profiles import EnrollmentCreated
from tests.training.conftest import Org


async def test_a_person_sees_their_own_progress_and_nobody_elses(org: Org) -> None:
    await org.program()
    module = await org.module()
    await org.course([module["id"]], role="mentee")
    mentee, other = await org.enroll(role="mentee"), await org.enroll(role="mentee")
    await org.assignment(mentee.person_id)
    mine = org.as_person(mentee.person_id)
    own = await org.client.get("/v1/me/training", headers=mine)
    assert own.status_code == 200 and len(own.json()["assignments"]) == 1
    assert (await org.client.get(f"/v1/people/{mentee.person_id}/training", headers=mine)).status_code == 200
    assert (await org.client.get(f"/v1/people/{other.person_id}/training", headers=mine)).status_code == 404


async def test_the_progress_page_lists_each_assignment_newest_first_with_its_modules_in_order(
    org: Org,
) -> None:
    """One statement returns a row per assignment and module: each assignment must get exactly its
    own course's modules, in course order, with the person's standing in each."""
    await org.program()
    first, second, other = (
        await org.module(title="First"),
        await org.module(title="Second"),
        await org.module(title="Other"),
    )
    await org.course([first["id"], second["id"]], role="mentor")
    later_program = await org.program(uuid.uuid4())
    await org.course([other["id"]], role="mentor", program_id=later_program)
    mentor = await org.enroll(role="mentor")
    await org.assignment(mentor.person_id, program_id=str(org.program_id))
    again = mentor.enrollment.model_copy(update={"id": uuid.uuid4(), "program_id": later_program})
    await org.bus.publish(EnrollmentCreated(enrollment=again), organization=org.organization)
    await org.assignment(mentor.person_id, program_id=str(later_program))
    assert (await org.complete(mentor.person_id, second["id"])).status_code == 201
    await org.assignment(mentor.person_id, program_id=str(org.program_id), modules_done=1)

    page = await org.client.get("/v1/me/training", headers=org.as_person(mentor.person_id, "mentor"))
    assert page.status_code == 200, page.text
    newest, oldest = page.json()["assignments"]
    assert (newest["program_id"], newest["modules_done"], newest["modules_total"]) == (
        str(later_program),
        0,
        1,
    )
    assert [(m["position"], m["title"], m["completed_at"]) for m in newest["modules"]] == [(1, "Other", None)]
    assert (oldest["program_id"], oldest["modules_done"], oldest["modules_total"]) == (
        str(org.program_id),
        1,
        2,
    )
    assert [(m["position"], m["title"]) for m in oldest["modules"]] == [(1, "First"), (2, "Second")]
    assert oldest["modules"][0]["completed_at"] is None
    assert oldest["modules"][1]["completed_at"] is not None and oldest["modules"][1]["completed_version"] == 1
    assert newest["assigned_at"] >= oldest["assigned_at"]


async def test_admins_see_anyones_progress_in_their_organization_and_another_organization_nothing(
    org: Org,
) -> None:
    await org.program()
    module = await org.module()
    await org.course([module["id"]])
    mentor = await org.enroll(role="mentor")
    await org.assignment(mentor.person_id)
    other_admin = org.auth("org-other-" + uuid.uuid4().hex[:6], str(uuid.uuid4()), "admin")
    assert (
        await org.client.get(f"/v1/people/{mentor.person_id}/training", headers=other_admin)
    ).status_code == 404
    # The person's own token from another organization sees nothing of this one either.
    elsewhere = org.auth("org-other-" + uuid.uuid4().hex[:6], str(mentor.person_id), "mentor")
    assert (await org.client.get("/v1/me/training", headers=elsewhere)).json()["assignments"] == []


async def test_the_program_report_counts_completion_overdue_and_scores_per_module(org: Org) -> None:
    await org.program()
    checked = await org.module(check=True, title="Checked")
    plain = await org.module(title="Plain")
    await org.course([checked["id"], plain["id"]])
    people = [await org.enroll(role="mentor") for _ in range(4)]
    for person in people:
        await org.assignment(person.person_id)
    attempts = f"/v1/modules/{checked['id']}/attempts"
    # Two people pass the check (one after failing once), one fails; one finishes the course.
    await org.client.post(
        attempts, json={"answers": {"q1": "wrong"}}, headers=org.as_person(people[0].person_id)
    )
    await org.client.post(
        attempts, json={"answers": {"q1": "right"}}, headers=org.as_person(people[0].person_id)
    )
    await org.client.post(
        attempts, json={"answers": {"q1": "right"}}, headers=org.as_person(people[1].person_id)
    )
    await org.client.post(
        attempts, json={"answers": {"q1": "wrong"}}, headers=org.as_person(people[2].person_id)
    )
    await org.complete(people[0].person_id, plain["id"])
    await org.change_enrollment(people[3], status="withdrawn")
    await org.assignment(people[3].person_id, status="closed")

    gates = await org.client.patch(
        f"/v1/programs/{org.program_id}/readiness-gates",
        json={"mentors_must_complete": True},
        headers={**org.admin, "If-Match": '"0"'},
    )
    assert gates.status_code == 200, gates.text

    report = (
        await org.client.get(f"/v1/programs/{org.program_id}/training-report", headers=org.admin)
    ).json()
    (mentors,) = report["roles"]
    assert (mentors["role"], mentors["course_title"], mentors["required_for_matching"]) == (
        "mentor",
        "Mentor onboarding",
        True,
    )
    assert (mentors["people"], mentors["completed"], mentors["closed"], mentors["overdue"]) == (3, 1, 1, 0)
    assert mentors["completion_rate"] == 0.3333
    assert mentors["average_score"] == 66.67  # best scores 100, 100, 0
    first, second = mentors["modules"]
    assert (first["title"], first["completed"], first["attempted"], first["average_score"]) == (
        "Checked",
        2,
        3,
        66.67,
    )
    assert (second["title"], second["completed"], second["completion_rate"]) == ("Plain", 1, 0.3333)
    empty = await org.program(uuid.uuid4())
    bare = await org.client.get(f"/v1/programs/{empty}/training-report", headers=org.admin)
    assert bare.status_code == 200 and bare.json()["roles"] == []
    unknown = await org.client.get(f"/v1/programs/{uuid.uuid4()}/training-report", headers=org.admin)
    assert unknown.status_code == 404
    mentor_token = org.as_person(people[0].person_id, "mentor")
    assert (
        await org.client.get(f"/v1/programs/{org.program_id}/training-report", headers=mentor_token)
    ).status_code == 403
