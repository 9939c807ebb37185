"""A readiness gate end to end, with real workers through real NATS: profiles publishes the program
and the enrollments, training assigns the mentor course and publishes the progress, matching keeps
the gated mentor out of suggestions and rounds (saying why) until the course is completed through
training's API, then suggests and matches them."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import httpx

from tests.conftest import AuthHeaders, Platform, running_workers, service_client
from tests.toolkit import eventually, eventually_value
from tests.training.conftest import Bus, Org

MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(5)]


def person_body(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}-{time.monotonic_ns()}@example.org",
        "name": name,
        "time_zone": "Europe/Paris",
        "languages": ["en"],
        "availability": MORNINGS,
        **fields,
    }


async def pass_knowledge_checks(org: Org, person_id: uuid.UUID, module_ids: list[str]) -> None:
    """Answer every module's knowledge check right, with the key an author sees."""
    me = org.as_person(person_id, "mentor")
    for module_id in module_ids:
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
        assert attempt.status_code == 201 and attempt.json()["passed"] is True, attempt.text


async def test_a_gated_mentor_is_matched_only_after_completing_the_mentor_course(
    platform: Platform,
    auth: AuthHeaders,
    bus: Bus,
    profiles_client: httpx.AsyncClient,
    training_client: httpx.AsyncClient,
) -> None:
    org = Org(bus=bus, auth=auth, client=training_client)
    profiles = profiles_client

    async def created(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await profiles.post(url, json=body, headers=org.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    start = dt.date.today() + dt.timedelta(days=14)
    async with (
        running_workers(platform, "profiles", "training", "matching"),
        service_client("matching", platform) as matching,
    ):
        program = await created(
            "/v1/programs",
            {
                "name": "Responsible AI mentoring",
                "objective": "technical_skills",
                "status": "active",
                "cohort_start": start.isoformat(),
                "cohort_end": (start + dt.timedelta(days=120)).isoformat(),
            },
        )
        org.program_id = uuid.UUID(program["id"])

        async def program_known() -> httpx.Response | None:
            response = await org.client.get(
                f"/v1/programs/{org.program_id}/readiness-gates", headers=org.admin
            )
            return response if response.status_code == 200 else None

        gates = await eventually(program_known, what="training learned of the program from profiles")
        modules = await org.load_library()
        course_modules = [modules["dataset-bias"], modules["model-documentation"]]
        await org.course(course_modules, role="mentor", due_days=14)
        gated = await org.client.patch(
            f"/v1/programs/{org.program_id}/readiness-gates",
            json={"mentors_must_complete": True},
            headers={**org.admin, "If-Match": gates.headers["ETag"]},
        )
        assert gated.status_code == 200, gated.text

        mentor = await created(
            "/v1/people",
            person_body(
                "Grace",
                seniority="staff",
                skills=[{"skill": "pytorch", "level": 5}],
                mentor_capacity=2,
                guidance=["technical"],
                goals=["help people ship responsible models"],
            ),
        )
        mentee = await created(
            "/v1/people",
            person_body(
                "Alan",
                seniority="junior",
                learning_interests=[{"skill": "pytorch", "current_level": 1, "target_level": 3}],
                guidance=["technical"],
                goals=["ship my first responsible model"],
            ),
        )
        mentor_id, mentee_id = uuid.UUID(mentor["id"]), uuid.UUID(mentee["id"])
        await created(
            f"/v1/programs/{org.program_id}/enrollments", {"person_id": mentor["id"], "role": "mentor"}
        )
        await created(
            f"/v1/programs/{org.program_id}/enrollments", {"person_id": mentee["id"], "role": "mentee"}
        )

        # Training assigns the course; matching hears of it and holds the mentor back, saying why.
        assignment = await org.assignment(mentor_id)
        assert (assignment["modules_done"], assignment["modules_total"]) == (0, 2)
        suggestions_url = f"/v1/programs/{org.program_id}/suggestions?mentee_id={mentee_id}"
        not_yet = "not matched: mentor course 0 of 2 modules done"

        async def suggestions() -> dict[str, Any] | None:
            response = await matching.get(suggestions_url, headers=org.admin)
            return dict(response.json()) if response.status_code == 200 else None

        held = await eventually_value(
            suggestions,
            lambda found: found is not None and [item["reason"] for item in found["not_ready"]] == [not_yet],
        )
        assert held is not None and held["items"] == []
        round_ = await matching.post(f"/v1/programs/{org.program_id}/rounds", json={}, headers=org.admin)
        assert round_.status_code == 201, round_.text
        assert round_.json()["stats"]["assigned"] == 0
        assert round_.json()["stats"]["not_ready"] == [
            {"person_id": str(mentor_id), "role": "mentor", "reason": not_yet}
        ]
        discarded = await matching.post(f"/v1/rounds/{round_.json()['id']}/discard", headers=org.admin)
        assert discarded.status_code == 200, discarded.text

        # The mentor completes the course through training's knowledge checks.
        await pass_knowledge_checks(org, mentor_id, course_modules)
        await org.assignment(mentor_id, status="completed")

        ready = await eventually_value(suggestions, lambda found: found is not None and bool(found["items"]))
        assert ready is not None
        assert [item["mentor_id"] for item in ready["items"]] == [str(mentor_id)]
        assert ready["not_ready"] == []

        round_ = await matching.post(f"/v1/programs/{org.program_id}/rounds", json={}, headers=org.admin)
        assert round_.status_code == 201, round_.text
        assert round_.json()["stats"]["assigned"] == 1 and round_.json()["stats"]["not_ready"] == []
        published = await matching.post(f"/v1/rounds/{round_.json()['id']}/publish", headers=org.admin)
        assert published.json()["status"] == "published", published.text
        [match] = (await matching.get(f"/v1/matches?program_id={org.program_id}", headers=org.admin)).json()[
            "items"
        ]
        assert (match["mentor_id"], match["mentee_id"]) == (str(mentor_id), str(mentee_id))
        for person_id, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
            answer = await matching.post(
                f"/v1/matches/{match['id']}/accept", headers=org.as_person(person_id, role)
            )
            assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "accepted"
