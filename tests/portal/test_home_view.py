"""`GET /v1/me`: a person's home screen in one round trip, read from the owning services as that person.

A mentee asks a mentor in a mentee-choice program, the mentor accepts, and they book a video call:
the home view of each shows their profile and enrollment, the match with the other person's public
profile and whether it waits for them, and the session in their own clock with its join link.
Parts whose service is not deployed, or does not answer, are marked unavailable; the rest still comes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from mentorship.platform_client import Document, PlatformClient
from tests.portal.conftest import Home
from tests.toolkit import eventually

LATER_PARTS = ("goals", "action_items", "unread_messages", "training", "notifications")


def person(name: str, time_zone: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{name.lower()}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": time_zone,
        "languages": ["en"],
        "availability": [{"weekday": day, "start": start, "end": end} for day in range(7)],
        **fields,
    }


@dataclass
class Pair:
    program: Document
    mentee: Document
    mentor: Document
    match: Document
    session: Document


async def suggestions_for(client: PlatformClient, program_id: str, mentee_id: str) -> list[Document] | None:
    try:
        return await client.suggestions(program_id, mentee_id) or None
    except Exception:
        return None


async def slots_for(client: PlatformClient, match_id: str, mentee_id: str) -> list[Document] | None:
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    try:
        return (
            await client.slots(match_id, actor=PlatformClient.person(mentee_id, "mentee"), start=start)
            or None
        )
    except Exception:
        return None


@pytest.fixture(scope="module")
async def pair(home: Home) -> Pair:
    client = home.client
    mentee = await client.create_person(person("Ana", "Europe/Berlin", "08:00", "20:00"))
    mentor = await client.create_person(
        person(
            "Kenji",
            "Asia/Tokyo",
            "09:00",
            "23:00",
            title="Staff ML engineer",
            skills=[{"skill": "pytorch", "level": 5}],
            mentor_capacity=2,
        )
    )
    today = date.today()
    program = await client.create_program(
        {
            "name": "LLM engineering",
            "objective": "technical_skills",
            "matching_mode": "mentee_choice",
            "status": "active",
            "cohort_start": today.isoformat(),
            "cohort_end": (today + timedelta(days=90)).isoformat(),
            "session_length_minutes": 45,
            "session_cadence": "weekly",
        }
    )
    await client.enroll(program["id"], mentor["id"], "mentor")
    await client.enroll(program["id"], mentee["id"], "mentee")
    await eventually(lambda: suggestions_for(client, program["id"], mentee["id"]), timeout=30)
    match = await client.request_mentor(
        program["id"], mentor["id"], mentee=PlatformClient.person(mentee["id"], "mentee"), message="Hello!"
    )
    accepted = await client.accept_match(match["id"], actor=PlatformClient.person(mentor["id"], "mentor"))
    slots = await eventually(lambda: slots_for(client, match["id"], mentee["id"]), timeout=30)
    session = await client.book_session(
        match["id"],
        {"format": "video", "start": slots[0]["start"]},
        actor=PlatformClient.person(mentee["id"], "mentee"),
    )
    return Pair(program=program, mentee=mentee, mentor=mentor, match=accepted, session=session)


async def test_the_mentee_sees_profile_match_mentor_and_next_session_in_her_own_clock(
    home: Home, pair: Pair
) -> None:
    async with home.portal() as portal:
        response = await portal.get("/v1/me", headers=home.headers(pair.mentee["id"], "mentee"))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    view = response.json()
    assert view["person_id"] == pair.mentee["id"]
    assert view["time_zone"] == "Europe/Berlin"
    assert view["profile"] == {"status": "ok", "data": view["profile"]["data"]}
    assert view["profile"]["data"]["name"] == "Ana"
    assert [e["program_id"] for e in view["enrollments"]["items"]] == [pair.program["id"]]

    (match,) = view["matches"]["items"]
    assert (match["id"], match["role"], match["status"], match["awaiting_me"]) == (
        pair.match["id"],
        "mentee",
        "accepted",
        False,
    )
    assert match["other_person"]["name"] == "Kenji"
    assert match["other_person"]["title"] == "Staff ML engineer"
    assert "email" not in match["other_person"]

    (session,) = view["next_sessions"]["items"]
    assert session["id"] == pair.session["id"]
    assert session["join_url"] == f"https://meet.example/{pair.session['id']}"
    start_utc = datetime.fromisoformat(session["start"].replace("Z", "+00:00"))
    start_local = datetime.fromisoformat(session["start_local"])
    assert start_local == start_utc
    assert start_local.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Berlin, winter or summer
    assert (session["role"], session["with_person_id"]) == ("mentee", pair.mentor["id"])

    assert view["feedback_requests"]["status"] == "ok"
    assert view["check_ins"]["status"] == "ok"


async def test_the_mentor_sees_the_same_session_in_tokyo_time(home: Home, pair: Pair) -> None:
    async with home.portal() as portal:
        view = (await portal.get("/v1/me", headers=home.headers(pair.mentor["id"], "mentor"))).json()
    (match,) = view["matches"]["items"]
    assert (match["role"], match["other_person"]["name"]) == ("mentor", "Ana")
    (session,) = view["next_sessions"]["items"]
    assert datetime.fromisoformat(session["start_local"]).utcoffset() == timedelta(hours=9)
    assert session["time_zone"] == "Asia/Tokyo"


async def test_a_request_waiting_for_the_mentor_says_so(home: Home, pair: Pair) -> None:
    client = home.client
    newcomer = await client.create_person(person("Lea", "America/New_York", "08:00", "20:00"))
    await client.enroll(pair.program["id"], newcomer["id"], "mentee")
    await eventually(lambda: suggestions_for(client, pair.program["id"], newcomer["id"]), timeout=30)
    request = await client.request_mentor(
        pair.program["id"], pair.mentor["id"], mentee=PlatformClient.person(newcomer["id"], "mentee")
    )
    async with home.portal() as portal:
        mentor_view = (await portal.get("/v1/me", headers=home.headers(pair.mentor["id"], "mentor"))).json()
        mentee_view = (await portal.get("/v1/me", headers=home.headers(newcomer["id"], "mentee"))).json()
    waiting = {m["id"]: m["awaiting_me"] for m in mentor_view["matches"]["items"]}
    assert waiting == {pair.match["id"]: False, request["id"]: True}
    (mine,) = mentee_view["matches"]["items"]
    assert (mine["status"], mine["awaiting_me"], mine["other_person"]["name"]) == (
        "requested",
        False,
        "Kenji",
    )
    assert mentee_view["next_sessions"] == {"status": "ok", "items": []}


async def test_parts_of_services_not_deployed_are_unavailable_never_faked(home: Home, pair: Pair) -> None:
    deployed = {name: "" for name in ("profiles", "matching", "scheduling", "feedback")}
    async with home.portal(service_urls=deployed) as portal:
        view = (await portal.get("/v1/me", headers=home.headers(pair.mentee["id"], "mentee"))).json()
    for part in LATER_PARTS:
        assert view[part]["status"] == "unavailable", part
        assert "not part of this deployment" in view[part]["reason"]
    assert view["matches"]["status"] == "ok"


async def test_the_later_services_parts_come_from_them(home: Home, pair: Pair) -> None:
    async with home.portal() as portal:
        view = (await portal.get("/v1/me", headers=home.headers(pair.mentee["id"], "mentee"))).json()
    for part in LATER_PARTS:
        assert view[part]["status"] == "ok", (part, view[part])
    assert view["unread_messages"]["items"] == []


async def test_a_service_that_does_not_answer_takes_only_its_own_parts_down(home: Home, pair: Pair) -> None:
    # Scheduling is "deployed" at a port where nothing listens; everything else is in-process.
    urls = {name: "" for name in home.apps} | {"scheduling": "http://127.0.0.1:9"}
    async with home.portal(service_urls=urls, upstream_timeout_seconds=1.0) as portal:
        response = await portal.get("/v1/me", headers=home.headers(pair.mentee["id"], "mentee"))
    view = response.json()
    assert response.status_code == 200
    assert view["next_sessions"] == {"status": "unavailable", "reason": "scheduling did not answer"}
    assert view["matches"]["status"] == "ok" and view["profile"]["status"] == "ok"


async def test_only_a_person_has_a_home_view(home: Home) -> None:
    async with home.portal() as portal:
        integration = await portal.get(
            "/v1/me", headers=home.client.authorization(PlatformClient.integration())
        )
        anonymous = await portal.get("/v1/me")
    assert integration.status_code == 403
    assert integration.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401


async def test_someone_without_a_profile_gets_the_rest_of_the_view(home: Home) -> None:
    stranger = str(uuid.uuid4())
    async with home.portal() as portal:
        view = (await portal.get("/v1/me", headers=home.headers(stranger, "mentee"))).json()
    assert view["profile"]["status"] == "unavailable"
    assert view["time_zone"] == "UTC"
    assert view["matches"] == {"status": "ok", "items": []}
