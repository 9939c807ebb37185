"""The whole path with the real publisher: an admin enrolls a person in profiles, profiles' relay
publishes it, training assigns the course, the person completes it, and training publishes every
step, which webhooks offers to subscribe to."""

from __future__ import annotations

import uuid

import httpx

from shared.contracts.training import TrainingAssigned, TrainingCompleted, TrainingModuleCompleted
from tests.conftest import AuthHeaders, Platform, running_workers, service_client
from tests.toolkit import eventually
from tests.training.conftest import Bus, Org


async def test_enrolled_in_profiles_assigned_completed_and_published(
    platform: Platform,
    auth: AuthHeaders,
    bus: Bus,
    profiles_client: httpx.AsyncClient,
    training_client: httpx.AsyncClient,
) -> None:
    org = Org(bus=bus, auth=auth, client=training_client)
    profiles = profiles_client
    async with running_workers(platform, "profiles", "training"):
        program = await profiles.post(
            "/v1/programs",
            json={
                "name": "Responsible AI mentoring",
                "objective": "technical_skills",
                "cohort_start": "2026-01-01",
                "cohort_end": "2026-12-31",
                "status": "active",
            },
            headers=org.admin,
        )
        assert program.status_code == 201, program.text
        org.program_id = uuid.UUID(program.json()["id"])

        async def program_known() -> bool:
            response = await org.client.get(
                f"/v1/programs/{org.program_id}/readiness-gates", headers=org.admin
            )
            return response.status_code == 200

        await eventually(program_known, what="training learned of the program from profiles")
        modules = await org.load_library()
        course_modules = [modules["dataset-bias"], modules["model-documentation"]]
        await org.course(course_modules, role="mentor", due_days=14)

        person = await profiles.post(
            "/v1/people",
            json={
                "email": f"{uuid.uuid4().hex[:8]}@example.org",
                "name": "Ada Mentor",
                "time_zone": "Europe/Paris",
                "languages": ["en"],
                "mentor_capacity": 2,
            },
            headers=org.admin,
        )
        assert person.status_code == 201, person.text
        person_id = uuid.UUID(person.json()["id"])
        enrolled = await profiles.post(
            f"/v1/programs/{org.program_id}/enrollments",
            json={"person_id": str(person_id), "role": "mentor"},
            headers=org.admin,
        )
        assert enrolled.status_code == 201, enrolled.text

        assignment = await org.assignment(person_id)
        assert (assignment["modules_done"], assignment["modules_total"]) == (0, 2)
        me = org.as_person(person_id, "mentor")
        # Pass both knowledge checks with the answer key an author sees.
        for module_id in course_modules:
            authoring = (await org.client.get(f"/v1/modules/{module_id}/authoring", headers=org.admin)).json()
            answers: dict[str, object] = {}
            for question in authoring["knowledge_check"]["questions"]:
                right = [choice["id"] for choice in question["choices"] if choice["correct"]]
                answers[question["id"]] = (
                    question["accepted_answers"][0]
                    if question["kind"] == "short"
                    else right[0]
                    if question["kind"] == "single"
                    else right
                )
            attempt = await org.client.post(
                f"/v1/modules/{module_id}/attempts", json={"answers": answers}, headers=me
            )
            assert attempt.json()["passed"] is True, attempt.text
        done = await org.assignment(person_id, status="completed")
        assert done["modules_done"] == 2

        await bus.wait_for_events(org.organization, TrainingAssigned, 1)
        await bus.wait_for_events(org.organization, TrainingModuleCompleted, 2)
        (completed,) = await bus.wait_for_events(org.organization, TrainingCompleted, 1)
        assert completed.data["assignment"]["person_id"] == str(person_id)
        assert completed.data["assignment"]["program_id"] == str(org.program_id)


async def test_webhooks_offers_trainings_events(platform: Platform, auth: AuthHeaders) -> None:
    async with service_client("webhooks", platform) as webhooks:
        response = await webhooks.get(
            "/v1/event-types",
            params={"service": "training"},
            headers=auth("org-x", str(uuid.uuid4()), "admin"),
        )
    names = {item["name"] for item in response.json()["items"]}
    assert {
        "mentorship.training.assignment.assigned.v1",
        "mentorship.training.assignment.module_completed.v1",
        "mentorship.training.assignment.completed.v1",
        "mentorship.training.assignment.overdue.v1",
        "mentorship.training.assignment.updated.v1",
        "mentorship.training.assignment.closed.v1",
        "mentorship.training.readiness_gates.updated.v1",
    } <= names
