"""Booking sessions through the API: slots, formats, and no double-booking, also under concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.models import Session, SessionParticipant
from shared.contracts.profiles import AvailabilityWindow
from tests.conftest import AuthHeaders
from tests.scheduling.world import book, iso, make_pair, next_hour, set_policy
from tests.toolkit import eventually


async def test_slots_come_in_utc_and_in_each_participants_local_time(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth, mentor_zone="Asia/Kolkata", mentee_zone="America/New_York")
    start = next_hour()
    response = await scheduling_client.get(
        f"/v1/matches/{pair.id}/slots",
        params={"from": iso(start), "to": iso(start + timedelta(hours=3)), "limit": 2},
        headers=pair.as_mentee,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    first = body["items"][0]
    assert first["participants"][0]["role"] == "mentor"
    assert first["participants"][0]["time_zone"] == "Asia/Kolkata"
    assert first["participants"][0]["start"].endswith("+05:30")
    assert first["participants"][1]["time_zone"] == "America/New_York"
    assert first["start"].endswith("Z")
    assert body["next_cursor"]
    more = await scheduling_client.get(
        f"/v1/matches/{pair.id}/slots", params={"cursor": body["next_cursor"]}, headers=pair.as_mentee
    )
    assert more.status_code == 200
    assert more.json()["items"][0]["start"] > body["items"][-1]["start"]


async def test_booking_a_video_session_uses_the_organizations_meeting_link_template(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    await set_policy(scheduling_client, pair.as_admin)
    start = next_hour()
    response = await scheduling_client.post(
        f"/v1/matches/{pair.id}/sessions",
        json={"format": "video", "start": iso(start)},
        headers=pair.as_mentee,
    )
    assert response.status_code == 201, response.text
    session = response.json()
    assert session["meeting_url"] == f"https://meet.example/{session['id']}"
    assert session["status"] == "scheduled"
    assert session["sequence"] == 0
    assert session["end"] == iso(start + timedelta(hours=1))
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/sessions/{session['id']}"


async def test_100_concurrent_bookings_of_one_slot_give_one_session_and_99_conflicts(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    body = {"format": "in_person", "start": iso(start), "location": "Room 4"}

    async def book() -> httpx.Response:
        return await scheduling_client.post(
            f"/v1/matches/{pair.id}/sessions", json=body, headers=pair.as_mentor
        )

    responses = await asyncio.gather(*(book() for _ in range(100)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 99
    conflict = next(response for response in responses if response.status_code == 409)
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["type"] == "/problems/slot-taken"
    listed = await scheduling_client.get(
        "/v1/sessions", params={"match_id": str(pair.id)}, headers=pair.as_mentor
    )
    assert len(listed.json()["items"]) == 1


async def test_a_retried_booking_with_the_same_idempotency_key_books_once(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    body = {"format": "in_person", "start": iso(next_hour()), "location": "Cafe"}
    headers = {**pair.as_mentee, "Idempotency-Key": "book-1"}
    first = await scheduling_client.post(f"/v1/matches/{pair.id}/sessions", json=body, headers=headers)
    again = await scheduling_client.post(f"/v1/matches/{pair.id}/sessions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


async def test_a_mentor_is_never_double_booked_across_matches_and_keeps_the_buffer(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    first = await make_pair(scheduling_db, auth)
    second = await make_pair(scheduling_db, auth, organization=first.organization, mentor=first.mentor)
    await set_policy(scheduling_client, first.as_admin, buffer_minutes=10)
    start = next_hour()
    await book(scheduling_client, first, start)
    taken = await book(scheduling_client, second, start, expect=409)
    assert taken["type"] == "/problems/slot-taken"
    # Right after the first session: no 10-minute pause for the mentor.
    await book(scheduling_client, second, start + timedelta(hours=1), expect=409)
    await book(scheduling_client, second, start + timedelta(hours=1, minutes=15))
    # The slot list agrees: the mentor's time is gone for the second mentee too.
    slots = await scheduling_client.get(
        f"/v1/matches/{second.id}/slots",
        params={"from": iso(start - timedelta(hours=1)), "to": iso(start + timedelta(hours=3))},
        headers=second.as_mentee,
    )
    starts = {item["start"] for item in slots.json()["items"]}
    assert iso(start) not in starts
    assert iso(start + timedelta(hours=1)) not in starts


async def test_a_start_that_is_not_a_slot_is_a_validation_problem_naming_why(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    office_hours = [AvailabilityWindow(weekday=day, start="09:00", end="17:00") for day in range(7)]
    pair = await make_pair(scheduling_db, auth, mentor_zone="UTC", mentor_availability=office_hours)
    await set_policy(scheduling_client, pair.as_admin, minimum_notice_minutes=24 * 60, horizon_days=10)
    tomorrow_night = (next_hour(timedelta(days=2))).replace(hour=22)
    cases = {
        "slot-unavailable": tomorrow_night,
        "slot-too-soon": next_hour(timedelta(hours=1)),
        "slot-too-far": next_hour(timedelta(days=20)).replace(hour=10),
        "slot-off-grid": tomorrow_night.replace(hour=10, minute=7),
    }
    for slug, start in cases.items():
        problem = await book(scheduling_client, pair, start, expect=422)
        assert problem["type"] == f"/problems/{slug}", (slug, problem)
        assert problem["errors"][0]["field"] == "body.start"


async def test_formats_need_what_they_are_held_with(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    missing_location = await book(
        scheduling_client, pair, start, format="in_person", meeting_url=None, expect=422
    )
    assert missing_location["type"] == "/problems/validation-error"
    no_link = await book(scheduling_client, pair, start, meeting_url=None, expect=422)
    assert no_link["type"] == "/problems/meeting-url-required"
    check_in = await book(
        scheduling_client,
        pair,
        format="async",
        meeting_url=None,
        due=iso(start + timedelta(days=3)),
        prompt="What did you try this week?",
    )
    assert check_in["format"] == "async" and check_in["prompt"] == "What did you try this week?"
    assert check_in["end"] == iso(start + timedelta(days=3))
    # A check-in takes no calendar time: a meeting fits at the same moment.
    await book(scheduling_client, pair, start)


async def test_people_outside_the_match_do_not_see_it_and_the_integration_only_reads(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    colleague = auth(pair.organization, str(uuid.uuid4()), "mentee")
    other_admin = auth("another-org", str(uuid.uuid4()), "admin")
    integration = auth(pair.organization, "hr-system", "integration")
    for headers in (colleague, other_admin):
        assert (
            await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=headers)
        ).status_code == 404
        response = await scheduling_client.get(f"/v1/matches/{pair.id}/slots", headers=headers)
        assert response.status_code == 404
        assert await book(scheduling_client, pair, next_hour(), headers=headers, expect=404)
    assert (
        await scheduling_client.get(f"/v1/sessions/{session['id']}", headers=integration)
    ).status_code == 200
    await book(scheduling_client, pair, next_hour(timedelta(days=3)), headers=integration, expect=403)
    assert (await scheduling_client.get("/v1/sessions", headers=colleague)).json()["items"] == []


async def test_a_booking_that_deadlocks_on_the_exclusion_constraint_loses_with_a_conflict(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    # Two transactions taking the same two people's time in opposite orders wait for each other
    # under the exclusion constraint; PostgreSQL aborts one. The API's must be a 409, not a 500.
    pair = await make_pair(scheduling_db, auth)
    start = next_hour()
    first, second = sorted((pair.mentor.id, pair.mentee.id))  # the order bookings take them in
    blocked = Range(start, start + timedelta(minutes=70), bounds="[)")
    other_session = uuid.uuid4()
    async with scheduling_db() as rival, rival.begin():
        now = datetime.now(UTC)
        await rival.execute(
            insert(Session).values(
                id=other_session, organization=pair.organization, match_id=pair.id,
                program_id=pair.program.id, mentor_id=pair.mentor.id, mentee_id=pair.mentee.id,
                format="video", status="scheduled", starts_at=start, ends_at=start + timedelta(hours=1),
                version=1, sequence=0, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        participant = {"session_id": other_session, "organization": pair.organization, "blocked": blocked}
        await rival.execute(
            insert(SessionParticipant).values(person_id=second, status="scheduled", **participant)
        )
        booking = asyncio.create_task(book(scheduling_client, pair, start, expect=409))

        # Wait until the booking holds `first` and waits for the rival's `second`...
        async def booking_waits() -> bool:
            await rival.execute(text("SELECT pg_stat_clear_snapshot()"))  # fresh activity, not the cached
            waiting = await rival.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
            return bool(waiting)

        await eventually(booking_waits, timeout=10, what="the booking waits for the rival's time")
        # ...then the rival needs `first` too: a cycle, which PostgreSQL breaks by aborting the booking.
        with contextlib.suppress(DBAPIError):
            await rival.execute(
                insert(SessionParticipant).values(person_id=first, status="scheduled", **participant)
            )
        problem = await booking
    assert problem["type"] == "/problems/slot-taken"
    assert problem["detail"] == "another booking took this time at the same moment"
