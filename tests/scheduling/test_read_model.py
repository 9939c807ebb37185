"""Profiles' and matching's events build scheduling's read model, in any order, and have consequences:
a deactivated person or an ended match cancels what is still ahead."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.models import Match, Person
from shared.contracts.matching import MatchAccepted, MatchEndReason, MatchStatus
from shared.contracts.profiles import PersonDeactivated, PersonReactivated, PersonUpdated, ProgramUpdated
from tests.conftest import AuthHeaders
from tests.scheduling.test_session_lifecycle import published
from tests.scheduling.world import act, apply, book, make_pair, next_hour


async def test_an_older_person_event_arriving_late_changes_nothing(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    newer = pair.mentee.model_copy(update={"version": 3, "time_zone": "Asia/Tokyo"})
    older = pair.mentee.model_copy(update={"version": 2, "time_zone": "America/Lima"})
    await apply(scheduling_db, PersonUpdated(person=newer))
    await apply(scheduling_db, PersonUpdated(person=older), PersonUpdated(person=newer))  # late, then again
    async with scheduling_db() as session:
        stored = await session.get(Person, pair.mentee.id)
    assert stored is not None and (stored.version, stored.time_zone) == (3, "Asia/Tokyo")
    slots = await scheduling_client.get(
        f"/v1/matches/{pair.id}/slots", params={"limit": 1}, headers=pair.as_mentee
    )
    assert slots.json()["items"][0]["participants"][1]["time_zone"] == "Asia/Tokyo"


async def test_a_match_that_ended_stays_ended_when_its_acceptance_arrives_late(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    accepted = pair.match
    await pair.end(end_reason=MatchEndReason.PARTICIPANT)
    await apply(scheduling_db, MatchAccepted(match=accepted))
    async with scheduling_db() as session:
        stored = await session.get(Match, pair.id)
    assert stored is not None and stored.status == "ended"
    problem = await book(scheduling_client, pair, next_hour(), expect=409)
    assert problem["type"] == "/problems/mentorship-ended"


async def test_a_deactivated_person_has_their_future_sessions_canceled_once(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    other = await make_pair(scheduling_db, auth, organization=pair.organization, mentor=pair.mentor)
    start = next_hour()
    ahead = await book(scheduling_client, pair, start)
    also_ahead = await book(scheduling_client, other, start + timedelta(hours=2))
    check_in = await book(
        scheduling_client,
        pair,
        format="async",
        meeting_url=None,
        due=(start + timedelta(days=2)).isoformat(),
        prompt="Reflect",
    )
    deactivated = await pair.update_person(pair.mentor, PersonDeactivated, active=False)
    await apply(scheduling_db, PersonDeactivated(person=deactivated))  # a replay: no second cancellation
    for session in (ahead, also_ahead, check_in):
        current = (await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=pair.as_admin)).json()
        assert current["status"] == "canceled"
        assert current["cancel_reason"] == "participant deactivated"
        subjects = [subject for subject, _ in await published(scheduling_db, session["id"])]
        assert subjects.count("scheduling.session.canceled") == 1
    problem = await book(scheduling_client, other, start + timedelta(days=1), expect=409)
    assert problem["type"] == "/problems/participant-inactive"
    await pair.update_person(pair.mentor, PersonReactivated, active=True)
    restored = (await scheduling_client.get(f"/v1/sessions/{ahead['id']}", headers=pair.as_admin)).json()
    assert restored["status"] == "canceled"  # reactivation books nothing back
    await book(scheduling_client, other, start + timedelta(days=1))


async def test_an_ended_match_cancels_only_its_own_future_sessions(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    other = await make_pair(scheduling_db, auth, organization=pair.organization, mentor=pair.mentor)
    start = next_hour()
    mine = await book(scheduling_client, pair, start)
    theirs = await book(scheduling_client, other, start + timedelta(hours=2))
    await pair.end(status=MatchStatus.ENDED, end_reason=MatchEndReason.ENROLLMENT_WITHDRAWN)
    mine_now = (await scheduling_client.get(f"/v1/sessions/{mine['id']}", headers=pair.as_admin)).json()
    theirs_now = (await scheduling_client.get(f"/v1/sessions/{theirs['id']}", headers=pair.as_admin)).json()
    assert (mine_now["status"], mine_now["cancel_reason"]) == (
        "canceled",
        "mentorship ended (enrollment_withdrawn)",
    )
    assert theirs_now["status"] == "scheduled"
    match = (await scheduling_client.get(f"/v1/matches/{pair.id}", headers=pair.as_admin)).json()
    assert match["status"] == "ended" and match["cadence_status"] == "ended"


async def test_a_program_change_applies_to_new_bookings(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth, length=60)
    longer = pair.program.model_copy(update={"version": 2, "session_length_minutes": 90})
    await apply(scheduling_db, ProgramUpdated(program=longer))
    await apply(scheduling_db, ProgramUpdated(program=pair.program))  # the older version, late
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    assert session["end"] == (start + timedelta(minutes=90)).isoformat().replace("+00:00", "Z")


async def test_a_match_whose_program_has_not_arrived_yet_cannot_book(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    early = pair.match.model_copy(update={"id": uuid.uuid4(), "program_id": uuid.uuid4()})
    await apply(scheduling_db, MatchAccepted(match=early))
    response = await scheduling_client.post(
        f"/v1/matches/{early.id}/sessions",
        json={"format": "video", "start": next_hour().isoformat(), "meeting_url": "https://meet.example/x"},
        headers=pair.as_mentee,
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/mentorship-not-ready"
    listed = await scheduling_client.get(f"/v1/matches/{early.id}", headers=pair.as_mentee)
    assert listed.json()["cadence_status"] == "unknown"


async def test_completed_sessions_are_not_canceled_by_a_deactivation(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    with time_machine.travel(start + timedelta(hours=2), tick=True):
        await act(scheduling_client, session, "complete", pair.as_mentee)
        await pair.update_person(pair.mentee, PersonDeactivated, active=False)
    current = (await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=pair.as_admin)).json()
    assert current["status"] == "completed"
