"""Every validation rule on people answers a 4xx problem naming the field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.profiles.conftest import Org, assert_problem, person_body

NOTHING_WRITTEN = {
    "people": 0, "programs": 0, "enrollments": 0, "custom_skills": 0, "idempotency_keys": 0, "events": 0,
}  # fmt: skip


async def test_invalid_time_zone_is_422_and_writes_nothing(org: Org) -> None:
    response = await org.client.post(
        "/v1/people", json=person_body(time_zone="Mars/Olympus_Mons"), headers=org.admin
    )
    problem = assert_problem(response, 422, "time_zone")
    assert problem["type"] == "/problems/validation-error"
    assert await org.written.snapshot() == NOTHING_WRITTEN


def window(weekday: int, start: str, end: str) -> dict[str, Any]:
    return {"weekday": weekday, "start": start, "end": end}


INVALID_PEOPLE: dict[str, tuple[dict[str, Any], str]] = {
    "email without a domain": ({"email": "ada@"}, "email"),
    "email with spaces": ({"email": "ada lovelace@example.com"}, "email"),
    "empty name": ({"name": "   "}, "name"),
    "name too long": ({"name": "x" * 201}, "name"),
    "no languages": ({"languages": []}, "languages"),
    "language that is not ISO 639-1": ({"languages": ["en", "xx"]}, "languages"),
    "language given twice": ({"languages": ["en", "EN"]}, "languages"),
    "skill level 0": ({"skills": [{"skill": "python", "level": 0}]}, "skills"),
    "skill level 6": ({"skills": [{"skill": "python", "level": 6}]}, "skills"),
    "skill listed twice": (
        {"skills": [{"skill": "python", "level": 2}, {"skill": "python", "level": 3}]},
        "skills",
    ),
    "skill slug with capitals": ({"skills": [{"skill": "PyTorch", "level": 3}]}, "skills"),
    "target level not above current": (
        {"learning_interests": [{"skill": "mlops", "current_level": 3, "target_level": 3}]},
        "learning_interests",
    ),
    "learning interest without target": ({"learning_interests": [{"skill": "mlops"}]}, "learning_interests"),
    "unknown guidance": ({"guidance": ["spiritual"]}, "guidance"),
    "guidance given twice": ({"guidance": ["career", "career"]}, "guidance"),
    "unknown seniority": ({"seniority": "wizard"}, "seniority"),
    "unknown learning style": ({"learning_style": "osmosis"}, "learning_style"),
    "negative experience": ({"years_of_experience": -1}, "years_of_experience"),
    "61 years of experience": ({"years_of_experience": 61}, "years_of_experience"),
    "mentor capacity 21": ({"mentor_capacity": 21}, "mentor_capacity"),
    "negative mentor capacity": ({"mentor_capacity": -1}, "mentor_capacity"),
    "window ending before it starts": ({"availability": [window(1, "10:00", "09:00")]}, "availability"),
    "empty window": ({"availability": [window(1, "10:00", "10:00")]}, "availability"),
    "overlapping windows": (
        {"availability": [window(2, "09:00", "11:00"), window(2, "10:30", "12:00")]},
        "availability",
    ),
    "weekday 7": ({"availability": [window(7, "09:00", "10:00")]}, "availability"),
    "time without leading zero": ({"availability": [window(1, "9:00", "10:00")]}, "availability"),
    "hour 25": ({"availability": [window(1, "09:00", "25:00")]}, "availability"),
    "unavailable day with windows": (
        {
            "availability_overrides": [
                {"date": "2026-12-24", "unavailable": True, "windows": [{"start": "09:00", "end": "10:00"}]}
            ]
        },
        "availability_overrides",
    ),
    "available override without windows": (
        {"availability_overrides": [{"date": "2026-12-24", "unavailable": False}]},
        "availability_overrides",
    ),
    "two overrides on one date": (
        {
            "availability_overrides": [
                {"date": "2026-12-24", "unavailable": True},
                {"date": "2026-12-24", "unavailable": True},
            ]
        },
        "availability_overrides",
    ),
    "invalid override date": (
        {"availability_overrides": [{"date": "2026-02-30", "unavailable": True}]},
        "availability_overrides",
    ),
    "specialization given twice": ({"specializations": ["llm", "llm"]}, "specializations"),
    "unknown field (a typo)": ({"nmae": "Ada"}, "nmae"),
    "skill outside the taxonomy": (
        {"skills": [{"skill": "underwater-basket-weaving", "level": 3}]},
        "skills",
    ),
    "learning interest outside the taxonomy": (
        {"learning_interests": [{"skill": "astrology", "target_level": 2}]},
        "learning_interests",
    ),
    "manager who does not exist": ({"manager_id": "00000000-0000-4000-8000-000000000001"}, "manager_id"),
}


@pytest.mark.parametrize(("change", "field"), INVALID_PEOPLE.values(), ids=INVALID_PEOPLE.keys())
async def test_an_invalid_person_is_422_naming_the_field_and_writes_nothing(
    org: Org, change: dict[str, Any], field: str
) -> None:
    response = await org.client.post("/v1/people", json=person_body(**change), headers=org.admin)
    assert_problem(response, 422, field)
    assert await org.written.snapshot() == NOTHING_WRITTEN


@pytest.mark.parametrize("missing", ["email", "name", "time_zone", "languages"])
async def test_a_person_without_a_required_field_is_422(org: Org, missing: str) -> None:
    body = person_body()
    del body[missing]
    assert_problem(await org.client.post("/v1/people", json=body, headers=org.admin), 422, missing)
    assert await org.written.snapshot() == NOTHING_WRITTEN


async def test_a_body_that_is_not_json_is_a_4xx_problem(org: Org) -> None:
    response = await org.client.post(
        "/v1/people", content=b"{not json", headers={**org.admin, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    assert await org.written.snapshot() == NOTHING_WRITTEN


async def test_a_duplicate_email_is_409_naming_email_and_writes_nothing(org: Org) -> None:
    first = await org.person()
    before = await org.written.snapshot()
    response = await org.client.post(
        "/v1/people", json=person_body(email=first["email"].upper()), headers=org.admin
    )
    assert_problem(response, 409, "email")
    assert await org.written.snapshot() == before


async def test_a_duplicate_external_id_is_409_naming_external_id(org: Org) -> None:
    await org.person(external_id="HR-42")
    before = await org.written.snapshot()
    response = await org.client.post("/v1/people", json=person_body(external_id="HR-42"), headers=org.admin)
    assert_problem(response, 409, "external_id")
    assert await org.written.snapshot() == before


async def test_the_same_email_may_exist_in_two_organizations(org: Org) -> None:
    person = await org.person()
    elsewhere = org.auth("org-elsewhere-" + org.id, "admin-2", "admin")
    response = await org.client.post(
        "/v1/people", json=person_body(email=person["email"], external_id="X"), headers=elsewhere
    )
    assert response.status_code == 201


async def test_a_change_to_a_duplicate_email_is_409_and_keeps_the_version(org: Org) -> None:
    first = await org.person()
    second = await org.person()
    before = await org.written.snapshot()
    response = await org.client.patch(
        f"/v1/people/{second['id']}", json={"email": first["email"]}, headers={**org.admin, "If-Match": '"1"'}
    )
    assert_problem(response, 409, "email")
    assert await org.written.snapshot() == before
    fetched = await org.client.get(f"/v1/people/{second['id']}", headers=org.admin)
    assert fetched.json()["version"] == 1 and fetched.json()["email"] == second["email"]


@pytest.mark.parametrize(("change", "field"), INVALID_PEOPLE.values(), ids=INVALID_PEOPLE.keys())
async def test_an_invalid_change_is_422_naming_the_field_and_writes_nothing(
    org: Org, change: dict[str, Any], field: str
) -> None:
    person = await org.person()
    before = await org.written.snapshot()
    response = await org.client.patch(
        f"/v1/people/{person['id']}", json=change, headers={**org.admin, "If-Match": '"1"'}
    )
    assert_problem(response, 422, field)
    assert await org.written.snapshot() == before
