"""Circle sessions through the API: common slots of all members across their zones, booking for
everyone under the same no-double-booking guarantee as pairs (also when bookings race with
overlapping members), members seeing their circle only, leavers leaving only their own place, and
per-person calendar feeds showing circle sessions."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from icalendar import Calendar
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.calendars import calendar_uid
from scheduling.models import SessionParticipant, messaging
from shared.contracts.matching import (
    CircleAccepted,
    CircleEnded,
    CircleMember,
    CircleMemberLeft,
    CircleMemberStatus,
    CircleRole,
    CircleState,
    CircleStatus,
    MatchEndReason,
)
from shared.contracts.profiles import AvailabilityWindow, PersonCreated, PersonState, ProgramCreated
from shared.db import transaction
from tests.conftest import AuthHeaders, new_org
from tests.scheduling.world import (
    T0,
    Pair,
    apply,
    book,
    iso,
    make_pair,
    next_hour,
    person_state,
    program_state,
)

WORKDAY = [AvailabilityWindow(weekday=day, start="08:00", end="20:00") for day in range(7)]


@dataclass
class World:
    organization: str
    program_id: uuid.UUID
    people: dict[str, PersonState]
    sessions: async_sessionmaker[AsyncSession]
    auth: AuthHeaders

    def as_(self, name: str) -> dict[str, str]:
        role = "mentor" if name.startswith("f") else "mentee"
        return self.auth(self.organization, str(self.people[name].id), role)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(uuid.uuid4()), "admin")

    def circle(self, facilitators: list[str], members: list[str], **changes: Any) -> CircleState:
        state = CircleState(
            id=uuid.uuid4(),
            organization=self.organization,
            version=2,
            program_id=self.program_id,
            status=CircleStatus.ACCEPTED,
            topic="llm-evaluation",
            score=0.8,
            members=[
                *(
                    CircleMember(person_id=self.people[name].id, role=CircleRole.FACILITATOR)
                    for name in facilitators
                ),
                *(CircleMember(person_id=self.people[name].id, role=CircleRole.MEMBER) for name in members),
            ],
            created_at=T0,
            updated_at=T0,
        )
        return state.model_copy(update=changes)

    async def accepted(self, facilitators: list[str], members: list[str]) -> CircleState:
        state = self.circle(facilitators, members)
        await apply(self.sessions, CircleAccepted(circle=state))
        return state


ZONES = {
    "f1": "Europe/Berlin",
    "f2": "America/New_York",
    "m1": "Asia/Kolkata",
    "m2": "Europe/London",
    "m3": "America/Sao_Paulo",
    "m4": "Africa/Lagos",
}


async def make_world(sessions: async_sessionmaker[AsyncSession], auth: AuthHeaders) -> World:
    organization = new_org()
    people = {
        name: person_state(organization=organization, time_zone=zone, availability=WORKDAY, name=name.upper())
        for name, zone in ZONES.items()
    }
    program = program_state(organization=organization)
    await apply(
        sessions, ProgramCreated(program=program), *(PersonCreated(person=one) for one in people.values())
    )
    return World(organization, program.id, people, sessions, auth)


async def first_slot(
    client: httpx.AsyncClient, circle: CircleState, headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.get(
        f"/v1/circles/{circle.id}/slots",
        params={"from": iso(next_hour()), "to": iso(next_hour() + dt.timedelta(days=7))},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["items"][0])


async def common_start(client: httpx.AsyncClient, circles: list[tuple[CircleState, dict[str, str]]]) -> str:
    """The earliest start that is a slot of every one of `circles`."""
    starts: set[str] | None = None
    for circle, headers in circles:
        response = await client.get(
            f"/v1/circles/{circle.id}/slots",
            params={"from": iso(next_hour()), "to": iso(next_hour() + dt.timedelta(days=7)), "limit": 500},
            headers=headers,
        )
        found = {item["start"] for item in response.json()["items"]}
        starts = found if starts is None else starts & found
    assert starts
    return min(starts)


async def book_circle(
    client: httpx.AsyncClient, circle: CircleState, start: str, headers: dict[str, str], expect: int = 201
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/circles/{circle.id}/sessions",
        json={"start": start, "meeting_url": "https://meet.example/circle"},
        headers=headers,
    )
    assert response.status_code == expect, response.text
    return dict(response.json())


async def outbox_types(sessions: async_sessionmaker[AsyncSession], subject: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(messaging.outbox.c.payload)
            .where(messaging.outbox.c.payload.contains(subject.encode()))
            .order_by(messaging.outbox.c.seq)
        )
        envelopes = [orjson.loads(row.payload) for row in rows]
    return [envelope["type"] for envelope in envelopes if envelope["subject"] == subject]


async def test_common_slots_fit_every_member_in_their_own_zone(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    world = await make_world(scheduling_db, auth)
    circle = await world.accepted(["f1", "f2"], ["m1", "m2", "m3", "m4"])

    slot = await first_slot(scheduling_client, circle, world.as_("m1"))

    assert {item["time_zone"] for item in slot["participants"]} == set(ZONES.values())
    for item in slot["participants"]:
        local = dt.datetime.fromisoformat(item["start"])
        assert local.hour >= 8 and local + dt.timedelta(hours=1) <= local.replace(hour=20, minute=0)
    stranger = world.auth(world.organization, str(uuid.uuid4()), "mentee")
    hidden = await scheduling_client.get(f"/v1/circles/{circle.id}/slots", headers=stranger)
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"


async def test_facilitators_book_for_everyone_and_each_members_time_is_blocked(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    world = await make_world(scheduling_db, auth)
    circle = await world.accepted(["f1"], ["m1", "m2", "m3"])
    other = await world.accepted(["f2"], ["m4"])
    slot = await first_slot(scheduling_client, circle, world.as_("f1"))

    await book_circle(scheduling_client, circle, slot["start"], world.as_("m1"), expect=403)
    booked = await book_circle(scheduling_client, circle, slot["start"], world.as_("f1"))

    assert {item["person_id"] for item in booked["participants"]} == {
        str(world.people[name].id) for name in ("f1", "m1", "m2", "m3")
    }
    assert len(booked["local_times"]) == 4
    async with scheduling_db() as session:
        rows = (
            await session.scalars(
                select(SessionParticipant).where(SessionParticipant.session_id == uuid.UUID(booked["id"]))
            )
        ).all()
    assert {row.kind for row in rows} == {"circle"} and len(rows) == 4
    assert await outbox_types(scheduling_db, booked["id"]) == [
        "mentorship.scheduling.circle_session.scheduled.v1"
    ]
    # A member sees their circle's session; someone of another circle does not.
    mine = await scheduling_client.get(f"/v1/circle-sessions/{booked['id']}", headers=world.as_("m2"))
    assert mine.status_code == 200 and mine.headers["ETag"] == '"1"'
    outsider = await scheduling_client.get(f"/v1/circle-sessions/{booked['id']}", headers=world.as_("m4"))
    assert outsider.status_code == 404
    listed = await scheduling_client.get("/v1/circle-sessions", headers=world.as_("m4"))
    assert listed.json()["items"] == []
    hidden_slots = await scheduling_client.get(f"/v1/circles/{circle.id}/slots", headers=world.as_("m4"))
    assert hidden_slots.status_code == 404 and other.id != circle.id
    # The same start is taken now for the members' other sessions too.
    taken = await book_circle(scheduling_client, circle, slot["start"], world.as_("f1"), expect=409)
    assert taken["type"] == "/problems/slot-taken"


async def test_concurrent_bookings_with_overlapping_members_book_only_one(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    world = await make_world(scheduling_db, auth)
    first = await world.accepted(["f1"], ["m1", "m2"])
    second = await world.accepted(["f2"], ["m2", "m3"])  # m2 is in both circles
    pair = await make_pair(
        scheduling_db,
        auth,
        organization=world.organization,
        mentor=world.people["m2"],
        mentee_availability=WORKDAY,
    )
    start = await common_start(scheduling_client, [(first, world.as_("f1")), (second, world.as_("f2"))])

    async def circle_booking(circle: CircleState, facilitator: str) -> httpx.Response:
        return await scheduling_client.post(
            f"/v1/circles/{circle.id}/sessions",
            json={"start": start, "meeting_url": "https://meet.example/circle"},
            headers=world.as_(facilitator),
        )

    async def pair_booking(pair: Pair) -> httpx.Response:
        return await scheduling_client.post(
            f"/v1/matches/{pair.id}/sessions",
            json={"format": "video", "start": start, "meeting_url": "https://meet.example/pair"},
            headers=pair.as_mentor,
        )

    attempts = [circle_booking(first, "f1") for _ in range(10)]
    attempts += [circle_booking(second, "f2") for _ in range(10)]
    attempts += [pair_booking(pair) for _ in range(10)]
    responses = await asyncio.gather(*attempts)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 29, statuses
    assert {response.json()["type"] for response in responses if response.status_code == 409} == {
        "/problems/slot-taken"
    }
    async with transaction(scheduling_db) as session:
        overlapping = await session.scalar(
            text(
                "SELECT count(*) FROM scheduling.session_participants a"
                " JOIN scheduling.session_participants b ON a.person_id = b.person_id"
                " AND a.session_id < b.session_id AND a.blocked && b.blocked"
                " WHERE a.organization = :org AND a.status <> 'canceled' AND b.status <> 'canceled'"
            ),
            {"org": world.organization},
        )
    assert overlapping == 0


async def test_a_member_leaving_frees_only_their_place_and_an_ended_circle_cancels_its_sessions(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    world = await make_world(scheduling_db, auth)
    circle = await world.accepted(["f1"], ["m1", "m2"])
    slot = await first_slot(scheduling_client, circle, world.as_("f1"))
    booked = await book_circle(scheduling_client, circle, slot["start"], world.as_("f1"))
    leaver = world.people["m1"]
    members = [
        member.model_copy(
            update={"status": CircleMemberStatus.LEFT, "left_reason": MatchEndReason.PARTICIPANT}
        )
        if member.person_id == leaver.id
        else member
        for member in circle.members
    ]
    left_state = circle.model_copy(update={"version": 3, "members": members})
    event = CircleMemberLeft(circle=left_state, person_id=leaver.id)
    await apply(scheduling_db, event)
    await apply(scheduling_db, event)  # redelivered: nothing more happens

    after = (await scheduling_client.get(f"/v1/circle-sessions/{booked['id']}", headers=world.admin)).json()
    assert after["status"] == "scheduled" and after["version"] == 2
    status = {item["person_id"]: item["status"] for item in after["participants"]}
    assert status[str(leaver.id)] == "left" and list(status.values()).count("attending") == 2
    types = await outbox_types(scheduling_db, booked["id"])
    assert types.count("mentorship.scheduling.circle_session.participant_left.v1") == 1
    # Their time is theirs again: a pair session of the leaver at that time books.
    pair = await make_pair(
        scheduling_db, auth, organization=world.organization, mentor=leaver, mentee_availability=WORKDAY
    )
    start = dt.datetime.fromisoformat(slot["start"])
    await book(scheduling_client, pair, start, headers=pair.as_mentor)

    ended = left_state.model_copy(
        update={"version": 4, "status": CircleStatus.ENDED, "end_reason": MatchEndReason.ADMIN}
    )
    await apply(scheduling_db, CircleEnded(circle=ended))
    canceled = (
        await scheduling_client.get(f"/v1/circle-sessions/{booked['id']}", headers=world.admin)
    ).json()
    assert canceled["status"] == "canceled" and canceled["cancel_reason"] == "circle ended (admin)"
    assert (await outbox_types(scheduling_db, booked["id"]))[
        -1
    ] == "mentorship.scheduling.circle_session.canceled.v1"
    refused = await book_circle(scheduling_client, circle, slot["start"], world.as_("f1"), expect=409)
    assert refused["type"] == "/problems/circle-ended"


async def test_changes_need_a_fresh_etag_and_a_members_feed_shows_the_circle_session(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    world = await make_world(scheduling_db, auth)
    circle = await world.accepted(["f1"], ["m1", "m2"])
    slot = await first_slot(scheduling_client, circle, world.as_("f1"))
    booked = await book_circle(scheduling_client, circle, slot["start"], world.as_("f1"))
    url = f"/v1/circle-sessions/{booked['id']}/cancel"
    missing = await scheduling_client.post(url, json={"reason": "x"}, headers=world.as_("f1"))
    assert missing.status_code == 428
    stale = await scheduling_client.post(
        url, json={"reason": "x"}, headers={**world.as_("f1"), "If-Match": '"7"'}
    )
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"

    created = await scheduling_client.post("/v1/calendar-feeds", json={}, headers=world.as_("m2"))
    assert created.status_code == 201, created.text
    feed = await scheduling_client.get(urlsplit(created.json()["url"]).path)
    assert feed.status_code == 200
    (event,) = Calendar.from_ical(feed.content).events
    assert str(event["UID"]) == calendar_uid(uuid.UUID(booked["id"]))
    assert "circle on llm evaluation" in str(event["SUMMARY"])
    assert event.start == dt.datetime.fromisoformat(slot["start"])
    assert len(event.get("ATTENDEE")) == 3 and "F1" in str(event["ORGANIZER"].params["CN"])
