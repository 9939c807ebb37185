"""Facilitated check-ins: a program admin opens a three-way session with a pair, in the common slots
of all three (the admin's availability counts, their time is blocked like the pair's), with the
pair's booking rules; only admins with a profile here open them, and bad requests write nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.models import Session, SessionParticipant
from shared.contracts.profiles import AvailabilityWindow, PersonCreated, PersonState
from tests.conftest import AuthHeaders
from tests.scheduling.world import Pair, act, apply, iso, make_pair, person_state

# The admin's only free hours: 10:00-12:00 in Tokyo, every day.
TOKYO_MORNINGS = [AvailabilityWindow(weekday=day, start="10:00", end="12:00") for day in range(7)]
MEETING = {"format": "video", "meeting_url": "https://meet.example/check-in"}


async def admin_of(sessions: async_sessionmaker[AsyncSession], pair: Pair) -> PersonState:
    admin = person_state(
        organization=pair.organization, time_zone="Asia/Tokyo", availability=TOKYO_MORNINGS, name="Hana"
    )
    await apply(sessions, PersonCreated(person=admin))
    return admin


def as_admin(pair: Pair, admin: PersonState) -> dict[str, str]:
    return pair.auth(pair.organization, str(admin.id), "admin")


async def check_in_slots(
    client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], **params: Any
) -> httpx.Response:
    start = datetime.now(UTC) + timedelta(days=2)
    query = {"from": iso(start), "to": iso(start + timedelta(days=3)), "limit": 50, **params}
    return await client.get(f"/v1/matches/{pair.id}/check-in-slots", params=query, headers=headers)


async def sessions_of(sessions: async_sessionmaker[AsyncSession], pair: Pair) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).where(Session.match_id == pair.id)) or 0)


async def test_an_admin_opens_a_check_in_in_a_slot_free_for_all_three(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    admin = await admin_of(scheduling_db, pair)
    headers = as_admin(pair, admin)

    found = await check_in_slots(scheduling_client, pair, headers)
    assert found.status_code == 200, found.text
    slots = found.json()["items"]
    assert slots
    for slot in slots:
        roles = {local["role"]: local for local in slot["participants"]}
        assert set(roles) == {"mentor", "mentee", "facilitator"}
        facilitator = roles["facilitator"]
        assert facilitator["person_id"] == str(admin.id) and facilitator["time_zone"] == "Asia/Tokyo"
        # Within the admin's 10:00-12:00 in Tokyo (a one-hour session starts by 11:00).
        assert "10:00" <= facilitator["start"][11:16] <= "11:00" and facilitator["end"][11:16] <= "12:00"
    # The pair's own slots are not narrowed by the admin.
    pair_slots = await scheduling_client.get(
        f"/v1/matches/{pair.id}/slots", params={"limit": 500}, headers=pair.as_mentee
    )
    assert len(pair_slots.json()["items"]) > len(slots)

    booked = await scheduling_client.post(
        f"/v1/matches/{pair.id}/check-ins", json={**MEETING, "start": slots[0]["start"]}, headers=headers
    )
    assert booked.status_code == 201, booked.text
    session = booked.json()
    assert session["facilitator_id"] == str(admin.id)
    assert (session["mentor_id"], session["mentee_id"]) == (str(pair.mentor.id), str(pair.mentee.id))
    assert {local["role"] for local in session["participants"]} == {"mentor", "mentee", "facilitator"}
    async with scheduling_db() as db:
        blocked = set(
            await db.scalars(
                select(SessionParticipant.person_id).where(
                    SessionParticipant.session_id == uuid.UUID(session["id"])
                )
            )
        )
    assert blocked == {pair.mentor.id, pair.mentee.id, admin.id}
    # The pair sees it among their sessions, with its facilitator.
    seen = await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=pair.as_mentee)
    assert seen.status_code == 200 and seen.json()["facilitator_id"] == str(admin.id)

    # The admin's time is taken: another pair cannot have them at the same time; canceled, it can.
    other = await make_pair(scheduling_db, auth, organization=pair.organization)
    taken = await scheduling_client.post(
        f"/v1/matches/{other.id}/check-ins", json={**MEETING, "start": slots[0]["start"]}, headers=headers
    )
    assert taken.status_code == 409 and taken.json()["type"].endswith("/slot-taken")
    await act(scheduling_client, session, "cancel", headers, reason="Rescheduling the check-in")
    again = await scheduling_client.post(
        f"/v1/matches/{other.id}/check-ins", json={**MEETING, "start": slots[0]["start"]}, headers=headers
    )
    assert again.status_code == 201, again.text


async def test_a_check_in_outside_the_admins_hours_or_from_anyone_else_is_refused_and_writes_nothing(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    admin = await admin_of(scheduling_db, pair)
    headers = as_admin(pair, admin)
    # 15:00 in Tokyo two days ahead: free for the pair (all week), not for the admin.
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    afternoon = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)  # 15:00 in Tokyo
    outside = await scheduling_client.post(
        f"/v1/matches/{pair.id}/check-ins", json={**MEETING, "start": iso(afternoon)}, headers=headers
    )
    assert outside.status_code == 422, outside.text
    assert outside.json()["type"].endswith("/slot-unavailable")

    for who in (pair.as_mentor, pair.as_mentee):
        forbidden = await scheduling_client.post(
            f"/v1/matches/{pair.id}/check-ins", json={**MEETING, "start": iso(afternoon)}, headers=who
        )
        assert forbidden.status_code == 403, forbidden.text
        assert forbidden.headers["content-type"].startswith("application/problem+json")
    assert (await check_in_slots(scheduling_client, pair, pair.as_mentor)).status_code == 403

    # An admin scheduling does not know as a person (no time zone, no availability).
    unknown = pair.auth(pair.organization, str(uuid.uuid4()), "admin")
    refused = await scheduling_client.post(
        f"/v1/matches/{pair.id}/check-ins", json={**MEETING, "start": iso(afternoon)}, headers=unknown
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("/facilitator-unknown")
    # A check-in is a meeting, not an async check-in.
    not_a_meeting = await scheduling_client.post(
        f"/v1/matches/{pair.id}/check-ins",
        json={"format": "async", "due": iso(afternoon), "prompt": "How is it going?"},
        headers=headers,
    )
    assert not_a_meeting.status_code == 422, not_a_meeting.text
    # Another organization's admin does not see the match.
    stranger = await admin_of(scheduling_db, await make_pair(scheduling_db, auth))
    elsewhere = await scheduling_client.post(
        f"/v1/matches/{pair.id}/check-ins",
        json={**MEETING, "start": iso(afternoon)},
        headers=auth(stranger.organization, str(stranger.id), "admin"),
    )
    assert elsewhere.status_code == 404
    assert await sessions_of(scheduling_db, pair) == 0
