"""End to end through real events: profiles API -> profiles worker -> NATS -> matching worker.

People, a program and enrollments are created with the profiles API; matching learns of them only
from events. A round is run, published and accepted through matching's API; then the mentor is
deactivated in profiles and the match ends through the events that follow.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx

from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.toolkit import eventually

MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(5)]


def person_body(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}-{time.monotonic_ns()}@example.com",
        "name": name,
        "time_zone": "Europe/Berlin",
        "languages": ["en"],
        "availability": MORNINGS,
        **fields,
    }


async def test_a_round_published_and_accepted_ends_when_the_mentor_is_deactivated_in_profiles(
    platform: Platform,
    profiles_client: httpx.AsyncClient,
    matching_client: httpx.AsyncClient,
    auth: AuthHeaders,
) -> None:
    org = new_org()
    admin = auth(org, "admin-1", "admin")

    async def created(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await profiles_client.post(url, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    mentor = await created(
        "/v1/people",
        person_body(
            "Grace",
            seniority="staff",
            skills=[{"skill": "pytorch", "level": 5}],
            mentor_capacity=2,
            guidance=["technical", "career"],
            goals=["help people ship deep learning models"],
        ),
    )
    mentee = await created(
        "/v1/people",
        person_body(
            "Alan",
            seniority="junior",
            learning_interests=[{"skill": "pytorch", "current_level": 1, "target_level": 3}],
            guidance=["technical"],
            goals=["ship my first deep learning model"],
        ),
    )
    start = dt.date.today() + dt.timedelta(days=14)
    program = await created(
        "/v1/programs",
        {
            "name": "Deep learning mentoring",
            "objective": "technical_skills",
            "status": "active",
            "cohort_start": start.isoformat(),
            "cohort_end": (start + dt.timedelta(days=120)).isoformat(),
        },
    )
    await created(f"/v1/programs/{program['id']}/enrollments", {"person_id": mentor["id"], "role": "mentor"})
    await created(f"/v1/programs/{program['id']}/enrollments", {"person_id": mentee["id"], "role": "mentee"})

    async with running_workers(platform, "profiles", "matching"):

        async def mentor_suggested() -> list[dict[str, Any]] | None:
            response = await matching_client.get(
                f"/v1/programs/{program['id']}/suggestions?mentee_id={mentee['id']}", headers=admin
            )
            return list(response.json()["items"]) or None if response.status_code == 200 else None

        [suggestion] = await eventually(mentor_suggested, what="the mentor is suggested")
        assert suggestion["mentor_id"] == mentor["id"]
        assert "mentor is level 5 in pytorch, mentee aims for 3" in suggestion["reasons"]

        round_ = await matching_client.post(f"/v1/programs/{program['id']}/rounds", json={}, headers=admin)
        assert round_.status_code == 201, round_.text
        assert round_.json()["stats"]["assigned"] == 1
        published = await matching_client.post(f"/v1/rounds/{round_.json()['id']}/publish", headers=admin)
        assert published.json()["status"] == "published"
        [match] = (
            await matching_client.get(f"/v1/matches?program_id={program['id']}", headers=admin)
        ).json()["items"]
        for who, role in ((mentee, "mentee"), (mentor, "mentor")):
            answer = await matching_client.post(
                f"/v1/matches/{match['id']}/accept", headers=auth(org, who["id"], role)
            )
            assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "accepted"

        deactivated = await profiles_client.post(f"/v1/people/{mentor['id']}/deactivate", headers=admin)
        assert deactivated.status_code == 200, deactivated.text

        async def match_ended() -> dict[str, Any] | None:
            response = await matching_client.get(f"/v1/matches/{match['id']}", headers=admin)
            body = dict(response.json())
            return body if body["status"] == "ended" else None

        ended = await eventually(match_ended, what="the match ended")
        assert ended["end_reason"] == "person_deactivated"
        no_more = await matching_client.get(
            f"/v1/programs/{program['id']}/suggestions?mentee_id={mentee['id']}", headers=admin
        )
        assert no_more.json()["items"] == []


async def test_matching_api_serves_openapi_and_health(platform: Platform) -> None:
    async with service_client("matching", platform) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        spec = (await client.get("/openapi.json")).json()
    assert "/v1/programs/{program_id}/rounds" in spec["paths"]
    assert "/v1/matches/{match_id}/accept" in spec["paths"]
