"""Programs: admins create and change them; everyone in the organization sees the non-draft ones."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.schemas import Program
from shared.contracts.profiles import DEFAULT_SCORE_WEIGHTS
from tests.profiles.conftest import Org, assert_problem, program_body


async def test_admin_creates_a_program_with_sensible_defaults(org: Org) -> None:
    response = await org.client.post(
        "/v1/programs", json=program_body(status="draft", score_weights={"skills": 0.6}), headers=org.admin
    )
    assert response.status_code == 201
    program = response.json()
    Program.model_validate(program)
    assert (
        response.headers["ETag"] == '"1"' and response.headers["Location"] == f"/v1/programs/{program['id']}"
    )
    assert program["status"] == "draft" and program["version"] == 1
    assert program["matching_mode"] == "admin_approved"
    assert program["session_length_minutes"] == 60 and program["session_cadence"] == "biweekly"
    assert program["checkin_cadence_days"] == 30 and program["exclude_same_department"] is False
    expected = {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()}
    assert program["score_weights"] == {**expected, "skills": 0.6}

    fetched = await org.client.get(f"/v1/programs/{program['id']}", headers=org.admin)
    assert fetched.json() == program and fetched.headers["ETag"] == '"1"'


async def test_only_admins_create_or_change_programs(org: Org) -> None:
    program = await org.program()
    for role in ("mentor", "mentee", "integration"):
        headers = org.auth(org.id, "00000000-0000-4000-8000-000000000009", role)
        assert_problem(await org.client.post("/v1/programs", json=program_body(), headers=headers), 403)
        response = await org.client.patch(
            f"/v1/programs/{program['id']}", json={"name": "x"}, headers={**headers, "If-Match": '"1"'}
        )
        assert_problem(response, 403)


async def test_drafts_are_visible_to_admins_only(org: Org) -> None:
    draft = await org.program(name="Draft", status="draft")
    active = await org.program(name="Active", status="active")
    member = org.auth(org.id, "00000000-0000-4000-8000-000000000001", "mentee")

    listed = await org.client.get("/v1/programs", headers=member)
    assert [item["id"] for item in listed.json()["items"]] == [active["id"]]
    assert_problem(await org.client.get(f"/v1/programs/{draft['id']}", headers=member), 404)
    admin_listed = await org.client.get("/v1/programs", headers=org.admin)
    assert [item["id"] for item in admin_listed.json()["items"]] == [draft["id"], active["id"]]


async def test_programs_are_filtered_and_paginated(org: Org) -> None:
    programs = [await org.program(name=f"P{n}", objective="leadership") for n in range(3)]
    await org.program(name="Other", objective="onboarding", status="draft")
    first = await org.client.get(
        "/v1/programs", params={"objective": "leadership", "limit": 2}, headers=org.admin
    )
    second = await org.client.get(
        "/v1/programs",
        params={"objective": "leadership", "limit": 2, "cursor": first.json()["next_cursor"]},
        headers=org.admin,
    )
    ids = [item["id"] for item in first.json()["items"] + second.json()["items"]]
    assert ids == [program["id"] for program in programs] and second.json()["next_cursor"] is None
    drafts = await org.client.get("/v1/programs", params={"status": "draft"}, headers=org.admin)
    assert [item["name"] for item in drafts.json()["items"]] == ["Other"]


async def test_a_change_merges_score_weights_and_bumps_the_version(org: Org) -> None:
    program = await org.program(score_weights={"skills": 1.0})
    response = await org.client.patch(
        f"/v1/programs/{program['id']}",
        json={
            "score_weights": {"languages": 0},
            "session_cadence": "weekly",
            "exclude_same_department": True,
        },
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    changed = response.json()
    assert changed["score_weights"]["skills"] == 1.0 and changed["score_weights"]["languages"] == 0
    assert changed["session_cadence"] == "weekly" and changed["exclude_same_department"] is True


async def test_program_status_moves_from_draft_to_active_to_closed_only(org: Org) -> None:
    program = await org.program(status="draft")
    url = f"/v1/programs/{program['id']}"
    version = 1
    for status in ("active", "closed"):
        response = await org.client.patch(
            url, json={"status": status}, headers={**org.admin, "If-Match": f'"{version}"'}
        )
        assert response.status_code == 200 and response.json()["status"] == status
        version += 1
    before = await org.written.snapshot()
    for status in ("active", "draft"):
        response = await org.client.patch(
            url, json={"status": status}, headers={**org.admin, "If-Match": f'"{version}"'}
        )
        assert assert_problem(response, 409)["type"] == "/problems/invalid-transition"
    assert await org.written.snapshot() == before


async def test_program_update_without_if_match_is_428(org: Org) -> None:
    program = await org.program()
    assert_problem(
        await org.client.patch(f"/v1/programs/{program['id']}", json={"name": "x"}, headers=org.admin), 428
    )


INVALID_PROGRAMS: dict[str, tuple[dict[str, Any], str]] = {
    "cohort ending before it starts": ({"cohort_start": "2026-03-01", "cohort_end": "2026-02-01"}, ""),
    "cohort ending the day it starts": ({"cohort_start": "2026-03-01", "cohort_end": "2026-03-01"}, ""),
    "unknown objective": ({"objective": "world_domination"}, "objective"),
    "unknown matching mode": ({"matching_mode": "lottery"}, "matching_mode"),
    "unknown score component": ({"score_weights": {"astrology": 1}}, "score_weights"),
    "negative weight": ({"score_weights": {"skills": -0.1}}, "score_weights"),
    "every weight zero": ({"score_weights": {c.value: 0 for c in DEFAULT_SCORE_WEIGHTS}}, "score_weights"),
    "session of 10 minutes": ({"session_length_minutes": 10}, "session_length_minutes"),
    "session of 5 hours": ({"session_length_minutes": 300}, "session_length_minutes"),
    "unknown cadence": ({"session_cadence": "daily"}, "session_cadence"),
    "check-ins every 0 days": ({"checkin_cadence_days": 0}, "checkin_cadence_days"),
    "created closed": ({"status": "closed"}, "status"),
    "unknown field": ({"colour": "blue"}, "colour"),
    "no name": ({"name": ""}, "name"),
}


@pytest.mark.parametrize(("change", "field"), INVALID_PROGRAMS.values(), ids=INVALID_PROGRAMS.keys())
async def test_an_invalid_program_is_422_and_writes_nothing(
    org: Org, change: dict[str, Any], field: str
) -> None:
    response = await org.client.post("/v1/programs", json=program_body(**change), headers=org.admin)
    assert_problem(response, 422, *([field] if field else []))
    assert await org.written.count("programs") == 0 and await org.written.events() == []


async def test_a_change_that_puts_the_cohort_end_before_its_start_is_422(org: Org) -> None:
    program = await org.program(cohort_start="2026-01-01", cohort_end="2026-06-01")
    before = await org.written.snapshot()
    response = await org.client.patch(
        f"/v1/programs/{program['id']}",
        json={"cohort_start": "2026-07-01"},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert_problem(response, 422, "cohort_end")
    assert await org.written.snapshot() == before


async def test_a_change_that_zeroes_every_weight_is_422(org: Org) -> None:
    program = await org.program(
        score_weights={c.value: 0 for c in DEFAULT_SCORE_WEIGHTS if c.value != "skills"}
    )
    response = await org.client.patch(
        f"/v1/programs/{program['id']}",
        json={"score_weights": {"skills": 0}},
        headers={**org.admin, "If-Match": '"1"'},
    )
    assert_problem(response, 422, "score_weights")
