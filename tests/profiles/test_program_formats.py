"""Program formats: one-to-one, circle, flash, peer and reverse, each with its own settings; bad
combinations are 422 problems naming the field, and a format is fixed once matching made a match."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import nats
import orjson

from shared.contracts.matching import MatchProposed, MatchSource, MatchState, MatchStatus
from shared.events import CloudEvent
from shared.streams import ensure_service_stream
from tests.conftest import Platform, running_workers
from tests.profiles.conftest import Org, assert_problem, program_body
from tests.toolkit import settled


async def _create(org: Org, **fields: Any) -> dict[str, Any]:
    response = await org.client.post("/v1/programs", json=program_body(**fields), headers=org.admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _patch(org: Org, program: dict[str, Any], **fields: Any) -> Any:
    return await org.client.patch(
        f"/v1/programs/{program['id']}",
        json=fields,
        headers={**org.admin, "If-Match": f'"{program["version"]}"'},
    )


async def test_a_program_is_one_to_one_unless_told_otherwise(org: Org) -> None:
    program = await _create(org)
    assert program["format"] == "one_to_one"
    assert program["format_settings"] == {
        "circle": None,
        "flash": None,
        "peer": None,
        "seniority_direction": "mentor_senior",
    }


async def test_each_format_gets_its_own_settings_with_defaults_filled_in(org: Org) -> None:
    circle = await _create(org, format="circle", format_settings={"circle": {"max_size": 6}})
    assert circle["format_settings"]["circle"] == {"min_size": 4, "max_size": 6, "facilitators": 1}
    assert circle["format_settings"]["flash"] is None and circle["format_settings"]["peer"] is None

    flash = await _create(org, format="flash", format_settings={"flash": {"sessions_per_month": 10}})
    assert flash["format_settings"]["flash"] == {"session_minutes": 30, "sessions_per_month": 10}

    peer = await _create(org, format="peer")
    assert peer["format_settings"]["peer"] == {"seniority_band": 1}
    assert peer["format_settings"]["seniority_direction"] == "either"

    reverse = await _create(org, format="reverse")
    assert reverse["format_settings"]["seniority_direction"] == "mentor_junior"

    events = await org.written.events()
    created = [event["data"]["program"] for event in events if event["type"].endswith("program.created.v1")]
    assert {program["format"] for program in created} == {"circle", "flash", "peer", "reverse"}
    assert next(p for p in created if p["format"] == "circle")["format_settings"]["circle"]["max_size"] == 6


async def test_bad_combinations_are_problems_naming_the_field_and_write_nothing(org: Org) -> None:
    before = await org.written.snapshot()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"format": "flash", "format_settings": {"circle": {"max_size": 6}}}, "format_settings.circle"),
        (
            {"format": "circle", "format_settings": {"circle": {"min_size": 9, "max_size": 6}}},
            "format_settings.circle.min_size",
        ),
        (
            {"format": "reverse", "format_settings": {"seniority_direction": "mentor_senior"}},
            "format_settings.seniority_direction",
        ),
        (
            {"format": "peer", "format_settings": {"seniority_direction": "mentor_junior"}},
            "format_settings.seniority_direction",
        ),
        ({"format": "circle", "matching_mode": "mentee_choice"}, "matching_mode"),
        ({"format": "circle", "format_settings": {"circle": {"facilitators": 0}}}, "format_settings.circle"),
        ({"format": "group"}, "format"),
    ]
    for fields, field in cases:
        response = await org.client.post("/v1/programs", json=program_body(**fields), headers=org.admin)
        assert_problem(response, 422, field)
    assert await org.written.snapshot() == before


async def test_enrollment_roles_follow_the_format(org: Org) -> None:
    peer_program = await _create(org, format="peer")
    pair_program = await _create(org)
    person = await org.person()
    refused = await org.client.post(
        f"/v1/programs/{peer_program['id']}/enrollments",
        json={"person_id": person["id"], "role": "mentor"},
        headers=org.admin,
    )
    assert_problem(refused, 422, "role")
    refused = await org.client.post(
        f"/v1/programs/{pair_program['id']}/enrollments",
        json={"person_id": person["id"], "role": "peer"},
        headers=org.admin,
    )
    assert_problem(refused, 422, "role")
    enrollment = await org.enroll(peer_program, person, "peer")
    assert enrollment["role"] == "peer"


async def test_the_format_changes_before_any_match_and_its_settings_reset(org: Org) -> None:
    program = await _create(org, format="circle", format_settings={"circle": {"max_size": 6}})
    response = await _patch(org, program, format="flash")
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["format"] == "flash" and changed["version"] == program["version"] + 1
    assert changed["format_settings"]["circle"] is None
    assert changed["format_settings"]["flash"] == {"session_minutes": 30, "sessions_per_month": 4}
    # Settings of the format it has now merge over the stored ones.
    response = await _patch(org, changed, format_settings={"flash": {"session_minutes": 20}})
    assert response.json()["format_settings"]["flash"] == {"session_minutes": 20, "sessions_per_month": 4}


async def test_the_format_cannot_change_while_enrollments_have_roles_it_lacks(org: Org) -> None:
    program = await _create(org)
    await org.enroll(program, await org.person(), "mentor")
    problem = assert_problem(await _patch(org, program, format="peer"), 409)
    assert problem["type"].endswith("/enrollments-incompatible")
    assert (await _patch(org, program, format="reverse")).status_code == 200


def _proposed(program: dict[str, Any], organization: str) -> MatchProposed:
    now = dt.datetime.now(dt.UTC)
    return MatchProposed(
        match=MatchState(
            id=uuid.uuid4(),
            organization=organization,
            version=1,
            program_id=uuid.UUID(program["id"]),
            mentee_id=uuid.uuid4(),
            mentor_id=uuid.uuid4(),
            status=MatchStatus.PROPOSED,
            source=MatchSource.ROUND,
            score=0.7,
            created_at=now,
            updated_at=now,
        )
    )


async def test_the_format_is_fixed_once_matching_made_a_match(org: Org, platform: Platform) -> None:
    program = await _create(org, format="circle")
    connection = await nats.connect(platform.nats_url)
    js = connection.jetstream()
    subject = f"{platform.namespace}.matching.match.proposed"
    try:
        await ensure_service_stream(js, namespace=platform.namespace, service="matching")
        async with running_workers(platform, "profiles"):
            envelope = CloudEvent.wrap(_proposed(program, org.id), organization=org.id, subject=None)
            payload = orjson.dumps(envelope.model_dump(mode="json"))
            # Delivered twice (a replay past the duplicate window): recorded once, harmlessly.
            for message_id in (str(envelope.id), uuid.uuid4().hex):
                await js.publish(subject, payload, headers={"Nats-Msg-Id": message_id})
            await settled(
                nats_url=platform.nats_url, namespace=platform.namespace, consumers=[("profiles", "matching")]
            )
    finally:
        await connection.close()
    assert await org.written.count("matched_programs") == 1
    problem = assert_problem(await _patch(org, program, format="one_to_one"), 409)
    assert problem["type"].endswith("/format-fixed")
    # Its settings may still change, for the rounds to come.
    response = await _patch(org, program, format_settings={"circle": {"max_size": 10}})
    assert response.status_code == 200 and response.json()["format_settings"]["circle"]["max_size"] == 10
    # Restating the same format is no change.
    again = response.json()
    assert (await _patch(org, again, format="circle")).json()["version"] == again["version"]
