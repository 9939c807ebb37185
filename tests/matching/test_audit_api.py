"""The fairness audit through the HTTP API: configuration, round and program aggregates, suppression,
and each admin's read of a report (a summary of self-identified groups) in the audit trail."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.routes.audit import FAIRNESS_READ
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, person

TOKYO_MORNINGS = [{"weekday": day, "start": "09:00", "end": "11:00"} for day in range(5)]


async def recorded_reads(engine: AsyncEngine, organization: str) -> list[tuple[Any, ...]]:
    """The reads matching recorded in its audit log for the organization: (resource type, resource
    id, actor type, actor id, what was read), oldest first."""
    async with engine.connect() as db:
        rows = await db.execute(
            text(
                "SELECT resource_type, resource_id, actor_type, actor_id, changes->>'read' AS what "
                "FROM matching.audit_log WHERE organization = :org AND action = 'read' ORDER BY seq"
            ),
            {"org": organization},
        )
        return [tuple(row) for row in rows]


async def test_audit_config_is_the_admins_and_versioned(
    matching_client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    org = new_org()
    admin = auth(org, "admin", "admin")
    body = {"attributes": ["department", "time_zone_region"], "min_group_size": 5}

    default = await matching_client.get("/v1/audit/config", headers=admin)
    by_mentor = await matching_client.put("/v1/audit/config", json=body, headers=auth(org, "x", "mentor"))
    created = await matching_client.put("/v1/audit/config", json=body, headers=admin)
    unversioned = await matching_client.put("/v1/audit/config", json=body, headers=admin)
    too_small = await matching_client.put(
        "/v1/audit/config", json={**body, "min_group_size": 2}, headers={**admin, "If-Match": '"1"'}
    )
    sensitive = await matching_client.put(
        "/v1/audit/config", json={**body, "attributes": ["ethnicity"]}, headers={**admin, "If-Match": '"1"'}
    )

    assert default.json()["attributes"] == [] and default.json()["version"] == 0
    assert by_mentor.status_code == 403
    assert created.status_code == 200 and created.json()["attributes"] == ["department", "time_zone_region"]
    assert unversioned.status_code == 428
    assert too_small.status_code == 422 and sensitive.status_code == 422


async def test_round_audit_reports_groups_in_aggregate_and_flags_four_fifths(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentors = [person(org, name=f"M{n}", skills={"pytorch": 5}, seniority="staff") for n in range(6)]
    # Europe: 6 mentees who all fit; Asia: 6 of whom the 3 with Tokyo mornings fit no mentor;
    # Australia: 2, too few to show; America: 5, hidden too, else Australia's 2 would be
    # recoverable from the totals (complementary suppression).
    europe = [
        person(org, interests={"pytorch": (1, 3)}, seniority="junior", department="research")
        for _ in range(6)
    ]
    asia = [
        person(
            org,
            interests={"pytorch": (1, 3)},
            seniority="junior",
            department="research",
            time_zone="Asia/Tokyo",
            availability=TOKYO_MORNINGS
            if n < 3
            else [{"weekday": day, "start": "16:00", "end": "19:00"} for day in range(5)],
        )
        for n in range(6)
    ]
    america = [
        person(
            org,
            interests={"pytorch": (1, 3)},
            seniority="junior",
            time_zone="America/New_York",
            availability=[{"weekday": day, "start": "04:00", "end": "06:00"} for day in range(5)],
        )
        for _ in range(5)
    ]
    australia = [
        person(
            org,
            interests={"pytorch": (1, 3)},
            seniority="junior",
            time_zone="Australia/Sydney",
            availability=[{"weekday": day, "start": "18:00", "end": "21:00"} for day in range(5)],
        )
        for _ in range(2)
    ]
    state = await read_model.program_with(
        org, mentors=mentors, mentees=[*europe, *asia, *america, *australia], mentor_capacity=3
    )
    admin = auth(org, "admin", "admin")
    round_ = (await matching_client.post(f"/v1/programs/{state.id}/rounds", json={}, headers=admin)).json()

    unconfigured = await matching_client.get(f"/v1/rounds/{round_['id']}/audit", headers=admin)
    await matching_client.put(
        "/v1/audit/config",
        json={"attributes": ["time_zone_region", "department"], "min_group_size": 5},
        headers=admin,
    )
    audit = await matching_client.get(f"/v1/rounds/{round_['id']}/audit", headers=admin)

    assert unconfigured.status_code == 409 and unconfigured.json()["type"] == "/problems/audit-not-configured"
    assert audit.status_code == 200, audit.text
    body = audit.json()
    assert body["scope"] == "round" and body["subjects"] == 19
    region = next(item for item in body["attributes"] if item["attribute"] == "time_zone_region")
    groups = {group["group"]: group for group in region["groups"]}
    assert set(groups) == {"Europe", "Asia"}
    assert region["suppressed_groups"] == 2
    assert groups["Europe"]["match_rate"] == 1.0 and groups["Asia"]["match_rate"] == 0.5
    assert groups["Asia"]["ratio_to_best"] == 0.5 and groups["Asia"]["flagged"] is True
    assert region["flagged_groups"] == ["Asia"]
    department = next(item for item in body["attributes"] if item["attribute"] == "department")
    assert [(group["group"], group["size"]) for group in department["groups"]] == [
        ("research", 12),
        ("unknown", 7),
    ]
    assert "person" not in audit.text and str(europe[0].id) not in audit.text
    # The admin's read is in the trail (the refused one is not), naming the report, never its figures.
    assert await recorded_reads(matching_engine, org) == [
        ("round", round_["id"], "admin", "admin", FAIRNESS_READ)
    ]


async def test_program_audit_counts_live_matches_and_acceptance(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentors = [person(org, skills={"pytorch": 5}, seniority="staff", capacity=5) for _ in range(2)]
    mentees = [
        person(org, interests={"pytorch": (1, 3)}, seniority="junior", department="ml") for _ in range(5)
    ]
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees, mode="mentee_choice")
    admin = auth(org, "admin", "admin")
    await matching_client.put(
        "/v1/audit/config", json={"attributes": ["department"], "min_group_size": 5}, headers=admin
    )
    for index, mentee in enumerate(mentees[:4]):
        request = await matching_client.post(
            f"/v1/programs/{state.id}/requests",
            json={"mentor_id": str(mentors[0].id)},
            headers=auth(org, str(mentee.id), "mentee"),
        )
        action = "accept" if index < 3 else "decline"
        await matching_client.post(
            f"/v1/matches/{request.json()['id']}/{action}", headers=auth(org, str(mentors[0].id), "mentor")
        )

    audit = (await matching_client.get(f"/v1/programs/{state.id}/audit", headers=admin)).json()

    [department] = audit["attributes"]
    [group] = department["groups"]
    assert (group["group"], group["size"], group["matched"]) == ("ml", 5, 3)
    assert group["match_rate"] == 0.6 and group["acceptance_rate"] == 0.75
    assert await recorded_reads(matching_engine, org) == [
        ("program", str(state.id), "admin", "admin", FAIRNESS_READ)
    ]
