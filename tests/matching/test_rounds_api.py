"""Program rounds through the HTTP API: plan, review, edit, publish; automatic mode; exclusions."""

from __future__ import annotations

import uuid

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.models import messaging
from shared.contracts.profiles import PersonState
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, person


def mentors_and_mentees(org: str, mentors: int, mentees: int) -> tuple[list[PersonState], list[PersonState]]:
    return (
        [
            person(org, name=f"Mentor {n}", skills={"pytorch": 5, "nlp": 4}, seniority="staff")
            for n in range(mentors)
        ],
        [
            person(org, name=f"Mentee {n}", interests={"pytorch": (1, 3)}, seniority="junior")
            for n in range(mentees)
        ],
    )


async def create_round(
    client: httpx.AsyncClient, program_id: uuid.UUID, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(f"/v1/programs/{program_id}/rounds", json={}, headers=headers)


async def proposals(
    client: httpx.AsyncClient, round_id: str, headers: dict[str, str], **params: str
) -> list[dict]:
    response = await client.get(f"/v1/rounds/{round_id}/proposals", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_round_fills_mentor_capacity_and_waitlists_the_rest(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 2, 3)
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees, mentor_capacity=1)
    admin = auth(org, "admin", "admin")

    created = await create_round(matching_client, state.id, admin)

    assert created.status_code == 201, created.text
    round_ = created.json()
    assert round_["status"] == "draft"
    assert round_["stats"]["assigned"] == 2 and round_["stats"]["waitlisted"] == 1
    assert set(round_["stats"]["seconds"]) == {
        "load",
        "features",
        "scoring",
        "assignment",
        "explanations",
        "persist",
    }
    placed = await proposals(matching_client, round_["id"], admin, waitlisted="false")
    waitlisted = await proposals(matching_client, round_["id"], admin, waitlisted="true")
    assert len({item["mentor_id"] for item in placed}) == 2  # one mentee each: capacity 1
    assert all(item["reasons"] and item["score"] > 0 for item in placed)
    assert len(waitlisted) == 1 and waitlisted[0]["mentor_id"] is None
    second = await create_round(matching_client, state.id, admin)
    assert second.status_code == 409 and second.json()["type"] == "/problems/draft-round-exists"


async def test_round_spreads_load_across_equally_good_mentors(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 2, 4)
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees, mentor_capacity=4)
    admin = auth(org, "admin", "admin")

    round_ = (await create_round(matching_client, state.id, admin)).json()

    placed = await proposals(matching_client, round_["id"], admin)
    loads = sorted([item["mentor_id"] for item in placed].count(str(mentor.id)) for mentor in mentors)
    assert loads == [2, 2]


async def test_admin_edits_then_publishes_a_round_whose_proposals_need_both_participants(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 2, 2)
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees, mentor_capacity=2)
    admin = auth(org, "admin", "admin")
    round_ = (await create_round(matching_client, state.id, admin)).json()
    url = f"/v1/rounds/{round_['id']}/proposals/{mentees[0].id}"
    body = {"mentor_id": str(mentors[1].id)}

    missing_if_match = await matching_client.put(url, json=body, headers=admin)
    stale = await matching_client.put(url, json=body, headers={**admin, "If-Match": '"7"'})
    manual = await matching_client.put(url, json=body, headers={**admin, "If-Match": '"1"'})
    waitlist = await matching_client.delete(
        f"/v1/rounds/{round_['id']}/proposals/{mentees[1].id}",
        headers={**admin, "If-Match": manual.headers["etag"]},
    )
    published = await matching_client.post(f"/v1/rounds/{round_['id']}/publish", headers=admin)

    assert missing_if_match.status_code == 428 and stale.status_code == 412
    assert manual.status_code == 200, manual.text
    assert manual.json()["source"] == "manual" and manual.json()["mentor_id"] == str(mentors[1].id)
    assert waitlist.json()["version"] == 3
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["stats"]["published"] == 1
    matches = (await matching_client.get(f"/v1/matches?round_id={round_['id']}", headers=admin)).json()[
        "items"
    ]
    [match] = matches
    assert (match["mentee_id"], match["mentor_id"], match["status"]) == (
        str(mentees[0].id),
        str(mentors[1].id),
        "proposed",
    )
    assert match["source"] == "manual" and match["expires_at"] is not None

    by_mentee = await matching_client.post(
        f"/v1/matches/{match['id']}/accept", headers=auth(org, str(mentees[0].id), "mentee")
    )
    assert by_mentee.json()["status"] == "proposed" and by_mentee.json()["mentee_accepted_at"]
    by_mentor = await matching_client.post(
        f"/v1/matches/{match['id']}/accept", headers=auth(org, str(mentors[1].id), "mentor")
    )
    assert by_mentor.json()["status"] == "accepted"
    edit_after = await matching_client.put(
        url, json=body, headers={**admin, "If-Match": published.headers["etag"]}
    )
    assert edit_after.status_code == 409 and edit_after.json()["type"] == "/problems/round-not-draft"


async def test_automatic_programs_publish_rounds_at_once(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 1, 1)
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees, mode="automatic")
    admin = auth(org, "admin", "admin")

    round_ = (await create_round(matching_client, state.id, admin)).json()

    assert round_["status"] == "published" and round_["stats"]["published"] == 1
    matches = (await matching_client.get(f"/v1/matches?program_id={state.id}", headers=admin)).json()["items"]
    assert [match["status"] for match in matches] == ["proposed"]
    async with matching_engine.connect() as connection:
        row = (
            await connection.execute(
                select(
                    messaging.outbox.c.subject, messaging.outbox.c.payload, messaging.outbox.c.headers
                ).where(messaging.outbox.c.payload.contains(matches[0]["id"].encode()))
            )
        ).one()
    envelope = orjson.loads(row.payload)
    assert row.subject == "matching.match.proposed"
    assert (
        envelope["type"] == "mentorship.matching.match.proposed.v1"
        and envelope["subject"] == matches[0]["id"]
    )
    assert envelope["organization"] == org and envelope["data"]["match"]["round_id"] == round_["id"]
    assert row.headers["traceparent"] == envelope["traceparent"]
    again = (await create_round(matching_client, state.id, admin)).json()
    assert again["stats"]["mentees"] == 0  # the mentee has a proposal in progress


async def test_rounds_are_for_admins_and_not_for_mentee_choice_programs(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 1, 1)
    choice = await read_model.program_with(org, mentors=mentors, mentees=mentees, mode="mentee_choice")

    as_mentor = await create_round(matching_client, choice.id, auth(org, str(mentors[0].id), "mentor"))
    refused = await create_round(matching_client, choice.id, auth(org, "admin", "admin"))
    other_org = await create_round(matching_client, choice.id, auth(new_org(), "admin", "admin"))

    assert as_mentor.status_code == 403
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/mentee-choice-program"
    assert other_org.status_code == 404


async def test_an_exclusion_waitlists_the_pair_in_the_draft_and_keeps_it_out_of_later_rounds(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, mentees = mentors_and_mentees(org, 1, 1)
    state = await read_model.program_with(org, mentors=mentors, mentees=mentees)
    admin = auth(org, "admin", "admin")
    round_ = (await create_round(matching_client, state.id, admin)).json()
    pair = {
        "mentee_id": str(mentees[0].id),
        "mentor_id": str(mentors[0].id),
        "reason": "conflict of interest",
    }

    excluded = await matching_client.post(f"/v1/programs/{state.id}/exclusions", json=pair, headers=admin)
    duplicate = await matching_client.post(f"/v1/programs/{state.id}/exclusions", json=pair, headers=admin)
    [proposal] = await proposals(matching_client, round_["id"], admin)
    await matching_client.post(f"/v1/rounds/{round_['id']}/discard", headers=admin)
    next_round = (await create_round(matching_client, state.id, admin)).json()

    assert excluded.status_code == 201 and duplicate.status_code == 409
    assert proposal["mentor_id"] is None and proposal["warnings"]
    assert next_round["stats"]["assigned"] == 0 and next_round["stats"]["without_feasible_mentor"] == 1
    listed = (await matching_client.get(f"/v1/programs/{state.id}/exclusions", headers=admin)).json()["items"]
    assert [item["reason"] for item in listed] == ["conflict of interest"]
    deleted = await matching_client.delete(f"/v1/exclusions/{listed[0]['id']}", headers=admin)
    assert deleted.status_code == 204


async def test_reporting_line_and_department_rules_apply_to_rounds(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    boss = person(org, name="Boss", skills={"pytorch": 5}, seniority="director", department="research")
    peer = person(org, name="Peer", skills={"pytorch": 5}, seniority="staff", department="platform")
    report = person(
        org,
        name="Report",
        interests={"pytorch": (1, 3)},
        seniority="junior",
        manager_id=boss.id,
        department="platform",
    )
    state = await read_model.program_with(
        org, mentors=[boss, peer], mentees=[report], exclude_same_department=True
    )
    admin = auth(org, "admin", "admin")

    round_ = (await create_round(matching_client, state.id, admin)).json()

    assert round_["stats"]["assigned"] == 0  # boss: reporting line; peer: same department
    manual = await matching_client.put(
        f"/v1/rounds/{round_['id']}/proposals/{report.id}",
        json={"mentor_id": str(peer.id)},
        headers={**admin, "If-Match": '"1"'},
    )
    assert manual.status_code == 200
    assert manual.json()["warnings"] == ["paired by an admin despite: same department"]


async def test_mentee_preferences_steer_and_exclude(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, [mentee] = mentors_and_mentees(org, 3, 1)
    state = await read_model.program_with(org, mentors=mentors, mentees=[mentee])
    as_mentee = auth(org, str(mentee.id), "mentee")
    url = f"/v1/programs/{state.id}/preferences/{mentee.id}"
    body = {"preferred_mentor_ids": [str(mentors[2].id)], "avoided_mentor_ids": [str(mentors[0].id)]}

    created = await matching_client.put(url, json=body, headers=as_mentee)
    without_if_match = await matching_client.put(url, json=body, headers=as_mentee)
    by_other = await matching_client.get(url, headers=auth(org, str(mentors[0].id), "mentor"))
    suggestions = await matching_client.get(f"/v1/programs/{state.id}/suggestions", headers=as_mentee)

    assert created.status_code == 200 and created.headers["etag"] == '"1"'
    assert without_if_match.status_code == 428
    assert by_other.status_code == 403
    items = suggestions.json()["items"]
    assert items[0]["mentor_id"] == str(mentors[2].id)
    assert str(mentors[0].id) not in {item["mentor_id"] for item in items}
    assert "mentee listed this mentor as preferred" in items[0]["reasons"]


async def test_a_round_with_nobody_waiting_is_an_empty_draft_not_an_error(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentors, _ = mentors_and_mentees(org, 2, 0)
    state = await read_model.program_with(org, mentors=mentors, mentees=[], mentor_capacity=1)

    created = await create_round(matching_client, state.id, auth(org, "admin", "admin"))

    assert created.status_code == 201, created.text
    assert created.json()["stats"]["assigned"] == 0 and created.json()["stats"]["waitlisted"] == 0
