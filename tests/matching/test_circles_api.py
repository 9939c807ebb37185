"""Circles through the HTTP API: a round forms them with its solver, bound and gap; an admin accepts
them; a member sees their own circle and no other; a member leaving ends only their membership;
leavers from profiles leave their circles; the fairness audit covers who got a place."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.models import messaging
from matching.routes.audit import FAIRNESS_READ
from shared.contracts.profiles import (
    EnrollmentCreated,
    FormatSettings,
    PersonCreated,
    PersonDeactivated,
    PersonState,
    ProgramCreated,
    ProgramFormat,
    ProgramState,
)
from shared.db import session_factory
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, enrollment, person, program
from tests.matching.test_audit_api import recorded_reads


async def circle_program(
    read_model: ReadModel,
    org: str,
    *,
    facilitators: int = 1,
    mentees: int = 6,
    capacity: int = 1,
    mode: str = "admin_approved",
    min_size: int = 3,
    max_size: int = 6,
) -> tuple[ProgramState, list[PersonState], list[PersonState]]:
    state = program(org, mode=mode).model_copy(
        update={
            "format": ProgramFormat.CIRCLE,
            "format_settings": FormatSettings.model_validate(
                {"circle": {"min_size": min_size, "max_size": max_size, "facilitators": 1}}
            ),
        }
    )
    leads = [
        person(org, name=f"Lead {n}", skills={"llm-evaluation": 5}, seniority="staff", capacity=capacity)
        for n in range(facilitators)
    ]
    members = [
        person(
            org,
            name=f"Member {n}",
            interests={"llm-evaluation": (1, 3)},
            seniority="junior",
            department="Research" if n % 2 else "Sales",
        )
        for n in range(mentees)
    ]
    events: list[Any] = [ProgramCreated(program=state)]
    events += [PersonCreated(person=someone) for someone in [*leads, *members]]
    events += [EnrollmentCreated(enrollment=enrollment(org, state.id, lead.id, "mentor")) for lead in leads]
    events += [EnrollmentCreated(enrollment=enrollment(org, state.id, one.id, "mentee")) for one in members]
    await read_model.apply(*events)
    return state, leads, members


async def outbox_types(engine: AsyncEngine, subject: str) -> list[str]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(messaging.outbox.c.payload)
            .where(messaging.outbox.c.payload.contains(subject.encode()))
            .order_by(messaging.outbox.c.seq)
        )
        envelopes = [orjson.loads(row.payload) for row in rows]
    return [envelope["type"] for envelope in envelopes if envelope["subject"] == subject]


async def form(client: httpx.AsyncClient, program_id: uuid.UUID, admin: dict[str, str]) -> dict[str, Any]:
    response = await client.post(f"/v1/programs/{program_id}/circle-rounds", headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def only_circle(client: httpx.AsyncClient, round_id: str, admin: dict[str, str]) -> dict[str, Any]:
    listed = await client.get("/v1/circles", params={"round_id": round_id}, headers=admin)
    [circle] = listed.json()["items"]
    return dict(circle)


async def test_a_round_forms_explained_circles_and_reports_solver_bound_and_gap(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    state, _, _ = await circle_program(read_model, org, mentees=7, max_size=6)
    admin = auth(org, "admin", "admin")

    round_ = await form(matching_client, state.id, admin)

    stats = round_["stats"]
    assert stats["solver"].startswith("greedy circles + min-cost flow")
    assert stats["placed"] == 6 and stats["unplaced"] == 1 and round_["circles"] == 1
    assert stats["objective"] <= stats["bound"] and 0 <= stats["gap_pct"] <= 100
    assert {"load", "circles", "members", "bound", "explain", "persist"} <= set(stats["seconds"])
    assert len(round_["unplaced"]) == 1 and round_["unplaced"][0]["reason"]
    circle = await only_circle(matching_client, round_["id"], admin)
    assert circle["status"] == "proposed" and circle["topic"] == "llm-evaluation"
    roles = Counter(member["role"] for member in circle["members"])
    assert roles == {"facilitator": 1, "member": 6}
    assert all(member["reasons"] for member in circle["members"])
    assert await outbox_types(matching_engine, circle["id"]) == ["mentorship.matching.circle.proposed.v1"]
    # Pair rounds are not how a circle program is matched, and circle rounds not how a pair program is.
    refused = await matching_client.post(f"/v1/programs/{state.id}/rounds", json={}, headers=admin)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    pairs = await read_model.program_with(org, mentors=[], mentees=[])
    refused = await matching_client.post(f"/v1/programs/{pairs.id}/circle-rounds", headers=admin)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/wrong-program-format"


async def test_a_member_sees_their_circle_and_no_other(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    state, _, _ = await circle_program(read_model, org, facilitators=2, mentees=8, max_size=4)
    admin = auth(org, "admin", "admin")
    round_ = await form(matching_client, state.id, admin)
    listed = (
        await matching_client.get("/v1/circles", params={"round_id": round_["id"]}, headers=admin)
    ).json()
    first, second = listed["items"]
    insider = next(member for member in first["members"] if member["role"] == "member")
    headers = auth(org, str(insider["person_id"]), "mentee")

    mine = await matching_client.get("/v1/circles", headers=headers)
    assert [item["id"] for item in mine.json()["items"]] == [first["id"]]
    seen = await matching_client.get(f"/v1/circles/{first['id']}", headers=headers)
    assert seen.status_code == 200 and seen.headers["ETag"] == f'"{first["version"]}"'
    hidden = await matching_client.get(f"/v1/circles/{second['id']}", headers=headers)
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
    other_org = auth(new_org(), "admin", "admin")
    assert (await matching_client.get(f"/v1/circles/{first['id']}", headers=other_org)).status_code == 404
    # Only admins answer a proposal; members of other circles cannot even see it.
    assert (
        await matching_client.post(f"/v1/circles/{first['id']}/accept", headers=headers)
    ).status_code == 403
    assert (
        await matching_client.post(f"/v1/circles/{second['id']}/accept", headers=headers)
    ).status_code == 404


async def test_accepting_takes_facilitator_capacity_and_honours_if_match(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    state, leads, _ = await circle_program(read_model, org, mentees=6)
    admin = auth(org, "admin", "admin")
    circle = await only_circle(matching_client, (await form(matching_client, state.id, admin))["id"], admin)

    stale = await matching_client.post(
        f"/v1/circles/{circle['id']}/accept", headers={**admin, "If-Match": '"99"'}
    )
    assert stale.status_code == 412
    accepted = await matching_client.post(
        f"/v1/circles/{circle['id']}/accept", headers={**admin, "If-Match": f'"{circle["version"]}"'}
    )
    assert accepted.status_code == 200, accepted.text
    assert (
        accepted.json()["status"] == "accepted" and accepted.headers["ETag"] == f'"{circle["version"] + 1}"'
    )
    again = await matching_client.post(f"/v1/circles/{circle['id']}/accept", headers=admin)
    assert again.status_code == 409 and again.json()["type"] == "/problems/invalid-transition"
    async with matching_engine.connect() as connection:
        used = await connection.scalar(
            text("SELECT used FROM matching.mentor_slots WHERE program_id = :p AND mentor_id = :m"),
            {"p": state.id, "m": leads[0].id},
        )
    assert used == 1
    assert (await outbox_types(matching_engine, circle["id"]))[-1] == "mentorship.matching.circle.accepted.v1"
    # The facilitator's one circle is taken: the next round forms none.
    await read_model.apply(
        *[
            event
            for extra in [person(org, interests={"llm-evaluation": (1, 3)}) for _ in range(4)]
            for event in (
                PersonCreated(person=extra),
                EnrollmentCreated(enrollment=enrollment(org, state.id, extra.id, "mentee")),
            )
        ]
    )
    assert (await form(matching_client, state.id, admin))["circles"] == 0


async def test_a_member_leaving_ends_only_their_membership(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    state, _, _ = await circle_program(read_model, org, mentees=4, mode="automatic")
    admin = auth(org, "admin", "admin")
    circle = await only_circle(matching_client, (await form(matching_client, state.id, admin))["id"], admin)
    assert circle["status"] == "accepted"  # automatic programs accept at once
    leaver, stayer = [member for member in circle["members"] if member["role"] == "member"][:2]
    stayer_headers = auth(org, str(stayer["person_id"]), "mentee")
    refused = await matching_client.post(
        f"/v1/circles/{circle['id']}/members/{leaver['person_id']}/leave", headers=stayer_headers
    )
    assert refused.status_code == 403

    left = await matching_client.post(
        f"/v1/circles/{circle['id']}/members/{leaver['person_id']}/leave",
        headers={**auth(org, str(leaver["person_id"]), "mentee"), "If-Match": f'"{circle["version"]}"'},
    )

    assert left.status_code == 200, left.text
    after = left.json()
    assert after["status"] == "accepted"
    status = {member["person_id"]: (member["status"], member["left_reason"]) for member in after["members"]}
    assert status[leaver["person_id"]] == ("left", "participant")
    assert sum(1 for value in status.values() if value[0] == "active") == len(status) - 1
    assert (await outbox_types(matching_engine, circle["id"]))[
        -1
    ] == "mentorship.matching.circle.member_left.v1"
    # A past member still sees the circle they were in.
    past = await matching_client.get(
        f"/v1/circles/{circle['id']}", headers=auth(org, str(leaver["person_id"]), "mentee")
    )
    assert past.status_code == 200


async def test_leavers_from_profiles_leave_their_circles_and_the_last_one_ends_it(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    state, leads, members = await circle_program(read_model, org, mentees=3, mode="automatic")
    admin = auth(org, "admin", "admin")
    circle = await only_circle(matching_client, (await form(matching_client, state.id, admin))["id"], admin)
    gone = members[0].model_copy(update={"version": 2, "active": False})
    await read_model.apply(PersonDeactivated(person=gone))
    after = (await matching_client.get(f"/v1/circles/{circle['id']}", headers=admin)).json()
    assert after["status"] == "accepted"
    mine = next(member for member in after["members"] if member["person_id"] == str(gone.id))
    assert mine["status"] == "left" and mine["left_reason"] == "person_deactivated"

    # The facilitator leaving leaves nobody to lead: the circle ends, and its slot is free again.
    lead_gone = leads[0].model_copy(update={"version": 2, "active": False})
    await read_model.apply(PersonDeactivated(person=lead_gone))
    ended = (await matching_client.get(f"/v1/circles/{circle['id']}", headers=admin)).json()
    assert ended["status"] == "ended" and ended["end_reason"] == "person_deactivated"
    assert all(member["status"] == "left" for member in ended["members"])
    types = await outbox_types(matching_engine, circle["id"])
    assert types[-2:] == ["mentorship.matching.circle.member_left.v1", "mentorship.matching.circle.ended.v1"]


async def test_the_fairness_audit_covers_who_got_a_place(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    state, _, _ = await circle_program(read_model, org, mentees=12, max_size=6, min_size=3)
    admin = auth(org, "admin", "admin")
    configured = await matching_client.put(
        "/v1/audit/config", json={"attributes": ["department"], "min_group_size": 5}, headers=admin
    )
    assert configured.status_code == 200, configured.text
    round_ = await form(matching_client, state.id, admin)
    audit = await matching_client.get(f"/v1/circle-rounds/{round_['id']}/audit", headers=admin)
    assert audit.status_code == 200, audit.text
    body = audit.json()
    assert body["scope"] == "circle_round" and body["subjects"] == 12
    assert body["matched"] == round_["stats"]["placed"]
    [department] = body["attributes"]
    assert {group["group"] for group in department["groups"]} == {"Research", "Sales"}
    assert await recorded_reads(matching_engine, org) == [
        ("circle_round", round_["id"], "admin", "admin", FAIRNESS_READ)
    ]
