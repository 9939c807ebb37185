"""Mentee-choice programs through the HTTP API: suggestions, requests, answers, capacity under load."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.models import MentorSlots, messaging
from matching.service.matches import activate_started, expire_overdue
from shared.db import session_factory
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, person

JAPAN_EVENINGS = [{"weekday": day, "start": "21:00", "end": "23:00"} for day in range(5)]


async def outbox_types(engine: AsyncEngine, match_id: str) -> list[str]:
    async with session_factory(engine)() as session:
        rows = await session.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.seq))
        envelopes = [orjson.loads(row.payload) for row in rows]
    return [envelope["type"] for envelope in envelopes if envelope["subject"] == match_id]


async def mentee_choice_program(
    read_model: ReadModel, org: str, *, mentors: int = 1, mentees: int = 1, capacity: int = 2
) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    mentor_states = [
        person(
            org, name=f"Mentor {n}", skills={"pytorch": 5, "mlops": 4}, capacity=capacity, seniority="staff"
        )
        for n in range(mentors)
    ]
    mentee_states = [
        person(org, name=f"Mentee {n}", interests={"pytorch": (1, 3)}, seniority="junior")
        for n in range(mentees)
    ]
    state = await read_model.program_with(
        org, mentors=mentor_states, mentees=mentee_states, mode="mentee_choice"
    )
    return state.id, [m.id for m in mentor_states], [m.id for m in mentee_states]


async def test_mentee_sees_explained_suggestions_of_feasible_mentors_only(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    good = person(org, name="Ada", skills={"pytorch": 5}, seniority="staff", time_zone="Europe/Paris")
    german_only = person(org, name="Bernd", skills={"pytorch": 5}, languages=["de"])
    night_owl = person(
        org, name="Kenji", skills={"pytorch": 5}, time_zone="Asia/Tokyo", availability=JAPAN_EVENINGS
    )
    mentee = person(
        org, name="Mia", interests={"pytorch": (1, 3)}, seniority="junior", languages=["en", "fr"]
    )
    state = await read_model.program_with(org, mentors=[good, german_only, night_owl], mentees=[mentee])

    response = await matching_client.get(
        f"/v1/programs/{state.id}/suggestions", headers=auth(org, str(mentee.id), "mentee")
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["mentor_id"] for item in items] == [str(good.id)]
    [suggestion] = items
    assert 0 < suggestion["score"] <= 1
    assert set(suggestion["score_breakdown"]) >= {"skills", "availability", "languages", "seniority"}
    assert suggestion["score_breakdown"]["skills"] == 1.0
    reasons = " | ".join(suggestion["reasons"])
    assert "mentor is level 5 in pytorch, mentee aims for 3" in reasons
    assert "h of weekly overlap, Mon 09:00\u201312:00 Berlin / Mon 09:00\u201312:00 Paris" in reasons


async def test_suggestions_are_the_mentees_own_or_an_admins(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    program_id, _, mentees = await mentee_choice_program(read_model, org, mentees=2)
    url = f"/v1/programs/{program_id}/suggestions?mentee_id={mentees[0]}"

    other_mentee = await matching_client.get(url, headers=auth(org, str(mentees[1]), "mentee"))
    admin = await matching_client.get(url, headers=auth(org, "admin-1", "admin"))
    other_org = await matching_client.get(url, headers=auth(new_org(), "admin-1", "admin"))

    assert other_mentee.status_code == 403
    assert other_mentee.headers["content-type"] == "application/problem+json"
    assert admin.status_code == 200 and len(admin.json()["items"]) == 1
    assert other_org.status_code == 404


async def test_mentee_requests_a_mentor_who_accepts(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    program_id, [mentor], [mentee] = await mentee_choice_program(read_model, org)
    as_mentee, as_mentor = auth(org, str(mentee), "mentee"), auth(org, str(mentor), "mentor")

    created = await matching_client.post(
        f"/v1/programs/{program_id}/requests",
        json={"mentor_id": str(mentor), "message": "Hi!"},
        headers=as_mentee,
    )
    assert created.status_code == 201, created.text
    match = created.json()
    assert match["status"] == "requested" and match["source"] == "mentee_request"
    assert match["expires_at"] is not None and match["reasons"]
    assert created.headers["location"] == f"/v1/matches/{match['id']}"

    mentee_accepts = await matching_client.post(f"/v1/matches/{match['id']}/accept", headers=as_mentee)
    assert mentee_accepts.status_code == 403

    accepted = await matching_client.post(
        f"/v1/matches/{match['id']}/accept", headers={**as_mentor, "If-Match": '"1"'}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.headers["etag"] == '"2"'
    again = await matching_client.post(f"/v1/matches/{match['id']}/accept", headers=as_mentor)
    assert again.status_code == 409 and again.json()["type"] == "/problems/invalid-transition"
    assert await outbox_types(matching_engine, match["id"]) == [
        "mentorship.matching.match.requested.v1",
        "mentorship.matching.match.accepted.v1",
    ]


async def test_request_is_idempotent_with_the_same_key(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    program_id, [mentor], [mentee] = await mentee_choice_program(read_model, org)
    headers = {**auth(org, str(mentee), "mentee"), "Idempotency-Key": "request-1"}
    url = f"/v1/programs/{program_id}/requests"

    first = await matching_client.post(url, json={"mentor_id": str(mentor)}, headers=headers)
    second = await matching_client.post(url, json={"mentor_id": str(mentor)}, headers=headers)
    without_key = await matching_client.post(
        url, json={"mentor_id": str(mentor)}, headers=auth(org, str(mentee), "mentee")
    )

    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert without_key.status_code == 409 and without_key.json()["type"] == "/problems/already-requested"


async def test_pending_requests_per_mentee_are_capped(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    program_id, mentors, [mentee] = await mentee_choice_program(read_model, org, mentors=4)
    headers = auth(org, str(mentee), "mentee")

    statuses = [
        (
            await matching_client.post(
                f"/v1/programs/{program_id}/requests", json={"mentor_id": str(mentor)}, headers=headers
            )
        ).status_code
        for mentor in mentors
    ]

    assert statuses == [201, 201, 201, 409]


async def test_accepting_declines_the_mentees_other_requests(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    program_id, mentors, [mentee] = await mentee_choice_program(read_model, org, mentors=2)
    as_mentee = auth(org, str(mentee), "mentee")
    ids = []
    for mentor in mentors:
        response = await matching_client.post(
            f"/v1/programs/{program_id}/requests", json={"mentor_id": str(mentor)}, headers=as_mentee
        )
        ids.append(response.json()["id"])

    accepted = await matching_client.post(
        f"/v1/matches/{ids[0]}/accept", headers=auth(org, str(mentors[0]), "mentor")
    )
    other = await matching_client.get(f"/v1/matches/{ids[1]}", headers=as_mentee)
    late = await matching_client.post(
        f"/v1/matches/{ids[1]}/accept", headers=auth(org, str(mentors[1]), "mentor")
    )

    assert accepted.json()["status"] == "accepted"
    assert other.json()["status"] == "declined"
    assert late.status_code == 409


async def test_fifty_concurrent_accepts_never_exceed_a_capacity_of_two(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    program_id, [mentor], mentees = await mentee_choice_program(read_model, org, mentees=50, capacity=2)
    match_ids = []
    for mentee in mentees:
        response = await matching_client.post(
            f"/v1/programs/{program_id}/requests",
            json={"mentor_id": str(mentor)},
            headers=auth(org, str(mentee), "mentee"),
        )
        assert response.status_code == 201, response.text
        match_ids.append(response.json()["id"])
    as_mentor = auth(org, str(mentor), "mentor")

    responses = await asyncio.gather(
        *(matching_client.post(f"/v1/matches/{match_id}/accept", headers=as_mentor) for match_id in match_ids)
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 2 + [409] * 48
    refused = [response for response in responses if response.status_code == 409]
    assert {response.json()["type"] for response in refused} == {"/problems/mentor-at-capacity"}
    assert all(response.headers["content-type"] == "application/problem+json" for response in refused)
    async with session_factory(matching_engine)() as session:
        slots = await session.get(MentorSlots, (program_id, mentor))
    assert slots is not None and (slots.used, slots.capacity) == (2, 2)
    listed = await matching_client.get(
        f"/v1/matches?program_id={program_id}&status=accepted", headers=auth(org, "admin", "admin")
    )
    assert len(listed.json()["items"]) == 2
    suggestions = await matching_client.get(
        f"/v1/programs/{program_id}/suggestions?mentee_id={mentees[0]}", headers=auth(org, "admin", "admin")
    )
    assert suggestions.json()["items"] == []  # a full mentor is suggested to nobody


async def test_ending_a_match_frees_the_mentors_slot(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    program_id, [mentor], [first, second] = await mentee_choice_program(
        read_model, org, mentees=2, capacity=1
    )
    ids = []
    for mentee in (first, second):
        response = await matching_client.post(
            f"/v1/programs/{program_id}/requests",
            json={"mentor_id": str(mentor)},
            headers=auth(org, str(mentee), "mentee"),
        )
        ids.append(response.json()["id"])
    as_mentor = auth(org, str(mentor), "mentor")
    assert (await matching_client.post(f"/v1/matches/{ids[0]}/accept", headers=as_mentor)).status_code == 200
    assert (await matching_client.post(f"/v1/matches/{ids[1]}/accept", headers=as_mentor)).status_code == 409

    ended = await matching_client.post(
        f"/v1/matches/{ids[0]}/end",
        json={"reason": "person_deactivated"},
        headers=auth(org, str(first), "mentee"),
    )
    second_try = await matching_client.post(f"/v1/matches/{ids[1]}/accept", headers=as_mentor)

    assert ended.json()["status"] == "ended"
    assert ended.json()["end_reason"] == "participant"  # a participant cannot claim another reason
    assert second_try.status_code == 200
    assert await outbox_types(matching_engine, ids[0]) == [
        "mentorship.matching.match.requested.v1",
        "mentorship.matching.match.accepted.v1",
        "mentorship.matching.match.ended.v1",
    ]


async def test_requests_only_in_mentee_choice_programs(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentor, mentee = person(org, skills={"pytorch": 5}), person(org, interests={"pytorch": (1, 3)})
    state = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="admin_approved")

    response = await matching_client.post(
        f"/v1/programs/{state.id}/requests",
        json={"mentor_id": str(mentor.id)},
        headers=auth(org, str(mentee.id), "mentee"),
    )

    assert response.status_code == 409 and response.json()["type"] == "/problems/not-mentee-choice"


async def test_requests_expire_with_an_event(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    program_id, [mentor], [mentee] = await mentee_choice_program(read_model, org)
    created = await matching_client.post(
        f"/v1/programs/{program_id}/requests",
        json={"mentor_id": str(mentor)},
        headers=auth(org, str(mentee), "mentee"),
    )
    match = created.json()
    expires_at = dt.datetime.fromisoformat(match["expires_at"])

    url, headers = f"/v1/matches/{match['id']}", auth(org, str(mentee), "mentee")

    await expire_overdue(session_factory(matching_engine), now=expires_at - dt.timedelta(seconds=1))
    before = (await matching_client.get(url, headers=headers)).json()
    await expire_overdue(session_factory(matching_engine), now=expires_at + dt.timedelta(seconds=1))
    after = (await matching_client.get(url, headers=headers)).json()

    assert before["status"] == "requested"
    assert after["status"] == "expired" and after["version"] == 2
    assert (await outbox_types(matching_engine, match["id"]))[-1] == "mentorship.matching.match.expired.v1"


async def test_accepted_matches_become_active_when_the_cohort_starts(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    state = await read_model.program_with(
        org, mentors=[mentor], mentees=[mentee], mode="mentee_choice", cohort_start=dt.date.today()
    )
    created = await matching_client.post(
        f"/v1/programs/{state.id}/requests",
        json={"mentor_id": str(mentor.id)},
        headers=auth(org, str(mentee.id), "mentee"),
    )
    match_id = created.json()["id"]
    await matching_client.post(f"/v1/matches/{match_id}/accept", headers=auth(org, str(mentor.id), "mentor"))

    await activate_started(session_factory(matching_engine))

    match = (await matching_client.get(f"/v1/matches/{match_id}", headers=auth(org, "a", "admin"))).json()
    assert match["status"] == "active" and match["version"] == 3
    assert (await outbox_types(matching_engine, match_id))[-1] == "mentorship.matching.match.activated.v1"
