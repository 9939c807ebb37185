"""End to end through real events (profiles API -> profiles worker -> NATS -> matching worker):
self-identification reaches the fairness audit as pseudonymous groups only, revoking consent takes
the person out of the next audit and out of matching's read model, intake criteria filter pairs,
and personality reaches scores until the person erases it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import AuthHeaders, Platform, new_org, running_workers
from tests.matching.test_end_to_end import person_body
from tests.profiles.test_personality import SOCIABLE
from tests.toolkit import eventually, eventually_value

GENDER = {
    "label": "Gender",
    "values": [{"id": "woman", "label": "Woman"}, {"id": "man", "label": "Man"}],
    "purposes": ["fairness_reports", "matching_preference"],
}
SITE = {
    "prompt": "Which site do you work at?",
    "kind": "single_choice",
    "options": [{"id": "paris", "label": "Paris"}, {"id": "lagos", "label": "Lagos"}],
    "criterion": "must_match",
}


async def test_consent_reaches_the_audit_and_revocation_and_erasure_reach_matching(
    platform: Platform,
    profiles_client: httpx.AsyncClient,
    matching_client: httpx.AsyncClient,
    matching_engine: AsyncEngine,
    auth: AuthHeaders,
) -> None:
    org = new_org()
    admin = auth(org, str(uuid.uuid4()), "admin")

    async def created(url: str, body: dict[str, Any], headers: dict[str, str] = admin) -> dict[str, Any]:
        response = await profiles_client.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    offered = await profiles_client.put(
        "/v1/self-identification/attributes/gender", json=GENDER, headers=admin
    )
    assert offered.status_code == 201, offered.text
    start = dt.date.today() + dt.timedelta(days=14)
    program = await created(
        "/v1/programs",
        {
            "name": "Fair start",
            "objective": "diversity_inclusion",
            "status": "active",
            "cohort_start": start.isoformat(),
            "cohort_end": (start + dt.timedelta(days=120)).isoformat(),
        },
    )
    questionnaire = await profiles_client.put(
        f"/v1/programs/{program['id']}/questionnaire",
        json={"questions": [SITE]},
        headers={**admin, "If-Match": '"1"'},
    )
    assert questionnaire.status_code == 200, questionnaire.text
    [site] = [question["id"] for question in questionnaire.json()["questions"]]
    enrollments = f"/v1/programs/{program['id']}/enrollments"
    paris_mentor = await created("/v1/people", person_body("Grace", seniority="staff", mentor_capacity=5))
    lagos_mentor = await created("/v1/people", person_body("Chidi", seniority="staff", mentor_capacity=5))
    for mentor, where in ((paris_mentor, "paris"), (lagos_mentor, "lagos")):
        await created(
            enrollments, {"person_id": mentor["id"], "role": "mentor", "intake_answers": {site: where}}
        )
    mentees: list[tuple[dict[str, Any], str]] = []
    for index, value in enumerate(["woman"] * 6 + ["man"] * 5):
        mentee = await created("/v1/people", person_body(f"Mentee{index}", seniority="junior"))
        await created(
            enrollments, {"person_id": mentee["id"], "role": "mentee", "intake_answers": {site: "paris"}}
        )
        identified = await profiles_client.put(
            "/v1/me/self-identification/gender",
            json={"value": value, "purposes": ["fairness_reports"]},
            headers=auth(org, mentee["id"], "mentee"),
        )
        assert identified.status_code == 200, identified.text
        mentees.append((mentee, value))
    labels = await profiles_client.get("/v1/self-identification/attributes/gender/groups", headers=admin)
    key_of = {item["label"]: item["group_key"] for item in labels.json()["items"]}
    configured = await matching_client.put(
        "/v1/audit/config",
        json={"attributes": [], "self_identified": ["gender"], "min_group_size": 5},
        headers=admin,
    )
    assert configured.status_code == 200, configured.text

    async def gender_audit() -> dict[str, Any]:
        response = await matching_client.get(f"/v1/programs/{program['id']}/audit", headers=admin)
        if response.status_code != 200:
            return {}
        return next((item for item in response.json()["attributes"] if item["attribute"] == "gender"), {})

    first_mentee = mentees[0][0]

    async def personality_of(person_id: str) -> Any:
        async with matching_engine.connect() as connection:
            return (
                await connection.execute(
                    text("SELECT traits FROM matching.personality_profiles WHERE person_id = :id"),
                    {"id": person_id},
                )
            ).first()

    async def suggestions() -> list[dict[str, Any]]:
        response = await matching_client.get(
            f"/v1/programs/{program['id']}/suggestions",
            params={"mentee_id": first_mentee["id"]},
            headers=admin,
        )
        return list(response.json().get("items", [])) if response.status_code == 200 else []

    async with running_workers(platform, "profiles", "matching"):
        audit = await eventually_value(
            gender_audit, lambda item: item.get("subjects") == 11, what="11 consented"
        )
        assert audit["self_identified"] is True
        assert {group["group"]: group["size"] for group in audit["groups"]} == {
            key_of["Woman"]: 6,
            key_of["Man"]: 5,
        }
        assert "woman" not in str(audit).lower() and "Man" not in str(audit)

        # The must-match intake criterion reached matching with the enrollments: no Lagos mentor.
        offered_mentors = await eventually(suggestions, what="suggestions for the first mentee")
        assert [item["mentor_id"] for item in offered_mentors] == [paris_mentor["id"]]
        assert offered_mentors[0]["score_breakdown"]["personality"] == 0.5

        # One man revokes consent to fairness reports: out of the next audit, and out of matching's
        # read model (no group key left for him there).
        revoking = next(mentee for mentee, value in mentees if value == "man")
        revoked = await profiles_client.delete(
            "/v1/me/self-identification/gender/purposes/fairness_reports",
            headers=auth(org, revoking["id"], "mentee"),
        )
        assert revoked.status_code == 200
        audit = await eventually_value(
            gender_audit, lambda item: item.get("subjects") == 10, what="revocation"
        )
        # 4 men left: withheld, and the women too, else the men's figures could be derived.
        assert audit["groups"] == [] and audit["suppressed_groups"] == 2
        async with matching_engine.connect() as connection:
            stored = (
                await connection.execute(
                    text("SELECT fairness, matching FROM matching.identity_groups WHERE person_id = :id"),
                    {"id": revoking["id"]},
                )
            ).one()
        assert stored.fairness == {} and stored.matching == {}

        # Personality reaches matching's scores, and erasure takes it away again.
        for person in (first_mentee, paris_mentor):
            taken = await profiles_client.post(
                f"/v1/people/{person['id']}/personality",
                json={"items": SOCIABLE},
                headers=auth(org, person["id"], "mentee"),
            )
            assert taken.status_code == 201, taken.text
        fitted = await eventually_value(
            suggestions, lambda items: bool(items) and items[0]["score_breakdown"]["personality"] == 1.0
        )
        assert any(reason.startswith("personalities fit") for reason in fitted[0]["reasons"])
        erased = await profiles_client.delete(
            "/v1/me/personal-data", headers=auth(org, first_mentee["id"], "mentee")
        )
        assert erased.status_code == 200
        await eventually_value(
            suggestions, lambda items: bool(items) and items[0]["score_breakdown"]["personality"] == 0.5
        )
        row = await personality_of(first_mentee["id"])
        assert row is not None and row.traits is None
        audit = await eventually_value(gender_audit, lambda item: item.get("subjects") == 9, what="erasure")
        assert audit["groups"] == []
