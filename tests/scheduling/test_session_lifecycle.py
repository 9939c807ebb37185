"""A session's life through the API: reschedule, cancel, complete, no-show; the events each publishes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import orjson
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.models import SessionParticipant, messaging
from tests.conftest import AuthHeaders
from tests.scheduling.world import act, book, iso, make_pair, next_hour


async def published(
    db: async_sessionmaker[AsyncSession], session_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """The events in scheduling's outbox about one session: (subject, data), oldest first."""
    outbox = messaging.outbox
    async with db() as session:
        rows = await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))
        events = [(row.subject, orjson.loads(row.payload)) for row in rows]
    return [(subject, envelope["data"]) for subject, envelope in events if envelope["subject"] == session_id]


async def test_rescheduling_keeps_the_session_and_raises_its_sequence(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    moved = await act(
        scheduling_client, session, "reschedule", pair.as_mentor, start=iso(start + timedelta(days=1))
    )
    assert moved["id"] == session["id"]
    assert (moved["sequence"], moved["version"]) == (1, 2)
    assert moved["start"] == iso(start + timedelta(days=1))
    subjects = [subject for subject, _ in await published(scheduling_db, session["id"])]
    assert subjects == ["scheduling.session.scheduled", "scheduling.session.rescheduled"]
    _, rescheduled = (await published(scheduling_db, session["id"]))[-1]
    assert rescheduled["previous_start"] == iso(start)
    assert rescheduled["session"]["sequence"] == 1
    # The old time is free again.
    await book(scheduling_client, pair, start)


async def test_changes_need_the_current_etag(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    url = f"/v1/sessions/{session['id']}/cancel"
    missing = await scheduling_client.post(url, json={"reason": "x"}, headers=pair.as_mentee)
    assert missing.status_code == 428
    await act(
        scheduling_client, session, "reschedule", pair.as_mentee, start=iso(next_hour(timedelta(days=4)))
    )
    stale = await scheduling_client.post(
        url, json={"reason": "x"}, headers={**pair.as_mentee, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    current = await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=pair.as_mentee)
    assert current.headers["ETag"] == '"2"'


async def test_moving_onto_a_taken_slot_is_a_conflict_and_changes_nothing(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    first = await book(scheduling_client, pair, start)
    second = await book(scheduling_client, pair, start + timedelta(hours=3))
    problem = await act(scheduling_client, second, "reschedule", pair.as_mentee, expect=409, start=iso(start))
    assert problem["type"] == "/problems/slot-taken"
    unchanged = (await scheduling_client.get(f"/v1/sessions/{second['id']}", headers=pair.as_mentee)).json()
    assert unchanged["start"] == second["start"] and unchanged["version"] == 1
    assert first["status"] == "scheduled"


async def test_canceling_with_a_reason_frees_the_time(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    canceled = await act(scheduling_client, session, "cancel", pair.as_mentor, reason="Conference travel")
    assert (canceled["status"], canceled["cancel_reason"], canceled["sequence"]) == (
        "canceled",
        "Conference travel",
        1,
    )
    again = await act(scheduling_client, canceled, "cancel", pair.as_mentor, expect=409, reason="twice")
    assert again["type"] == "/problems/session-not-scheduled"
    await book(scheduling_client, pair, start)
    async with scheduling_db() as db:
        statuses = set(
            await db.scalars(
                select(SessionParticipant.status).where(
                    SessionParticipant.session_id == uuid.UUID(session["id"])
                )
            )
        )
    assert statuses == {"canceled"}
    subjects = [subject for subject, _ in await published(scheduling_db, session["id"])]
    assert subjects[-1] == "scheduling.session.canceled"


async def test_a_session_is_completed_only_once_it_has_started_and_the_next_one_is_proposed(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    early = await act(scheduling_client, session, "complete", pair.as_mentor, expect=409)
    assert early["type"] == "/problems/session-not-started"
    with time_machine.travel(start + timedelta(minutes=50), tick=True):
        completed = await act(scheduling_client, session, "complete", pair.as_mentor)
        assert completed["status"] == "completed"
        match = (await scheduling_client.get(f"/v1/matches/{pair.id}", headers=pair.as_mentor)).json()
    proposal = match["proposed_next"]
    # Weekly cadence, both available all week: the same time a week later.
    assert proposal["due_at"] == iso(start + timedelta(days=7))
    assert proposal["start"] == iso(start + timedelta(days=7))
    assert proposal["after_session_id"] == session["id"]
    assert [local["role"] for local in proposal["participants"]] == ["mentor", "mentee"]
    direct = await scheduling_client.get(f"/v1/matches/{pair.id}/proposed-session", headers=pair.as_mentee)
    assert direct.json()["start"] == proposal["start"]
    # Booking the proposal acts on it.
    await book(scheduling_client, pair, start + timedelta(days=7))
    match = (await scheduling_client.get(f"/v1/matches/{pair.id}", headers=pair.as_mentor)).json()
    assert match["proposed_next"] is None
    subjects = [subject for subject, _ in await published(scheduling_db, session["id"])]
    assert subjects == ["scheduling.session.scheduled", "scheduling.session.completed"]


async def test_a_no_show_names_who_was_absent(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    with time_machine.travel(start + timedelta(minutes=20), tick=True):
        stranger = await act(
            scheduling_client, session, "no-show", pair.as_mentor, expect=422, absent=[str(uuid.uuid4())]
        )
        assert stranger["type"] == "/problems/not-a-participant"
        no_show = await act(
            scheduling_client, session, "no-show", pair.as_mentor, absent=[str(pair.mentee.id)]
        )
    assert no_show["status"] == "no_show"
    assert no_show["no_show"] == [str(pair.mentee.id)]
    (_, event) = (await published(scheduling_db, session["id"]))[-1]
    assert event["session"]["no_show"] == [str(pair.mentee.id)]


async def test_session_lists_page_in_start_order(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    booked = [await book(scheduling_client, pair, start + timedelta(hours=2 * index)) for index in (2, 0, 1)]
    first = await scheduling_client.get("/v1/sessions", params={"limit": 2}, headers=pair.as_mentee)
    second = await scheduling_client.get(
        "/v1/sessions", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=pair.as_mentee
    )
    ids = [item["id"] for item in first.json()["items"] + second.json()["items"]]
    assert ids == [booked[1]["id"], booked[2]["id"], booked[0]["id"]]
    assert second.json()["next_cursor"] is None
    admin = await scheduling_client.get(
        "/v1/sessions", params={"person_id": str(pair.mentor.id)}, headers=pair.as_admin
    )
    assert len(admin.json()["items"]) == 3
    bad = await scheduling_client.get("/v1/sessions", params={"cursor": "nonsense"}, headers=pair.as_mentee)
    assert bad.status_code == 400
