"""Flash mentoring through the API: mentors publish office hours in their own zone, mentees find
mentors by skill and book one slot; a slot is booked once and a mentor's monthly limit holds under
100 concurrent bookings; a flash session both sides agree on asks matching for a long-term match."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from icalendar import Calendar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.calendars import calendar_uid
from scheduling.models import FlashSession, messaging
from scheduling.office_hours import Hours, flash_slots, month_of
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    EnrollmentState,
    EnrollmentStatus,
    FormatSettings,
    PersonCreated,
    PersonDeactivated,
    PersonState,
    ProgramCreated,
    ProgramFormat,
    ProgramState,
    SkillLevel,
)
from shared.db import transaction
from tests.conftest import AuthHeaders, new_org
from tests.scheduling.world import T0, apply, person_state, program_state, set_policy


@dataclass
class Flash:
    organization: str
    program: ProgramState
    mentors: list[PersonState]
    mentees: list[PersonState]
    long_term: ProgramState
    auth: AuthHeaders

    def as_person(self, person: PersonState, role: str = "mentee") -> dict[str, str]:
        return self.auth(self.organization, str(person.id), role)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.organization, str(uuid.uuid4()), "admin")


def enrolled(person: PersonState, program: ProgramState, role: EnrollmentRole) -> EnrollmentCreated:
    return EnrollmentCreated(
        enrollment=EnrollmentState(
            id=uuid.uuid4(),
            organization=person.organization,
            version=1,
            program_id=program.id,
            person_id=person.id,
            role=role,
            status=EnrollmentStatus.ACTIVE,
            created_at=T0,
            updated_at=T0,
        )
    )


async def make_flash(
    sessions: async_sessionmaker[AsyncSession],
    auth: AuthHeaders,
    client: httpx.AsyncClient,
    *,
    mentees: int = 1,
    per_month: int = 4,
) -> Flash:
    organization = new_org()
    program = program_state(organization=organization).model_copy(
        update={
            "format": ProgramFormat.FLASH,
            "format_settings": FormatSettings.model_validate(
                {"flash": {"session_minutes": 30, "sessions_per_month": per_month}}
            ),
        }
    )
    long_term = program_state(organization=organization)
    expert = person_state(organization=organization, time_zone="Asia/Tokyo", name="Yuki").model_copy(
        update={"skills": [SkillLevel(skill="pytorch", level=5), SkillLevel(skill="nlp", level=3)]}
    )
    other = person_state(organization=organization, time_zone="Europe/Paris", name="Marie").model_copy(
        update={"skills": [SkillLevel(skill="sql", level=4)]}
    )
    learners = [person_state(organization=organization, name=f"Learner {n}") for n in range(mentees)]
    events: list[Any] = [ProgramCreated(program=program), ProgramCreated(program=long_term)]
    events += [PersonCreated(person=someone) for someone in [expert, other, *learners]]
    events += [enrolled(mentor, program, EnrollmentRole.MENTOR) for mentor in (expert, other)]
    events += [enrolled(mentor, long_term, EnrollmentRole.MENTOR) for mentor in (expert, other)]
    events += [enrolled(learner, program, EnrollmentRole.MENTEE) for learner in learners]
    events += [enrolled(learner, long_term, EnrollmentRole.MENTEE) for learner in learners]
    await apply(sessions, *events)
    flash = Flash(organization, program, [expert, other], learners, long_term, auth)
    await set_policy(client, flash.admin, minimum_notice_minutes=60)
    return flash


async def office_hours(
    client: httpx.AsyncClient, flash: Flash, mentor: PersonState, expect: int = 201, **body: Any
) -> dict[str, Any]:
    payload = {"weekday": 0, "start": "09:00", "end": "12:00", **body}
    response = await client.post(
        f"/v1/programs/{flash.program.id}/office-hours",
        json=payload,
        headers=flash.as_person(mentor, "mentor"),
    )
    assert response.status_code == expect, response.text
    return dict(response.json())


async def every_day_hours(client: httpx.AsyncClient, flash: Flash, mentor: PersonState) -> None:
    for weekday in range(7):
        await office_hours(client, flash, mentor, weekday=weekday)


async def mentors(client: httpx.AsyncClient, flash: Flash, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/programs/{flash.program.id}/flash-mentors",
        params=params,
        headers=flash.as_person(flash.mentees[0]),
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def book(
    client: httpx.AsyncClient, flash: Flash, mentee: PersonState, mentor: PersonState, start: str
) -> httpx.Response:
    return await client.post(
        f"/v1/programs/{flash.program.id}/flash-sessions",
        json={
            "mentor_id": str(mentor.id),
            "start": start,
            "skill": "pytorch",
            "meeting_url": "https://m.example/f",
        },
        headers=flash.as_person(mentee),
    )


async def test_mentees_find_mentors_by_skill_with_slots_in_the_mentors_own_zone(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    flash = await make_flash(scheduling_db, auth, scheduling_client)
    expert, other = flash.mentors
    hours = await office_hours(scheduling_client, flash, expert)
    assert hours["time_zone"] == "Asia/Tokyo" and (hours["start"], hours["end"]) == ("09:00", "12:00")
    await office_hours(scheduling_client, flash, other)
    refused = await office_hours(scheduling_client, flash, flash.mentees[0], expect=403)
    assert refused["status"] == 403

    found = await mentors(scheduling_client, flash, skill="pytorch")

    assert [item["mentor_id"] for item in found] == [str(expert.id)]
    [item] = found
    assert item["level"] == 5 and item["sessions_left_this_month"] == 4
    first = item["next_slots"][0]
    [local] = first["participants"]
    start = dt.datetime.fromisoformat(local["start"])
    assert local["time_zone"] == "Asia/Tokyo" and start.weekday() == 0 and 9 <= start.hour < 12
    assert dt.datetime.fromisoformat(local["end"]) - start == dt.timedelta(minutes=30)
    assert {item["mentor_id"] for item in await mentors(scheduling_client, flash)} == {
        str(expert.id),
        str(other.id),
    }
    pair_program = await scheduling_client.get(
        f"/v1/programs/{flash.long_term.id}/flash-mentors", headers=flash.as_person(flash.mentees[0])
    )
    assert pair_program.status_code == 409 and pair_program.json()["type"] == "/problems/wrong-program-format"


async def test_100_concurrent_bookings_book_each_slot_once_and_never_exceed_the_monthly_limit(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    flash = await make_flash(scheduling_db, auth, scheduling_client, mentees=100, per_month=4)
    expert = flash.mentors[0]
    await every_day_hours(scheduling_client, flash, expert)
    slots = (await mentors(scheduling_client, flash, skill="pytorch"))[0]["next_slots"]
    assert slots
    # Ten slots of one month (the mentor's), each wanted by ten mentees at once.
    response = await scheduling_client.get(
        f"/v1/programs/{flash.program.id}/office-hours", headers=flash.as_person(flash.mentees[0])
    )
    assert len(response.json()) == 7
    month_slots = await month_of_slots(scheduling_client, flash, expert, count=10)

    responses = await asyncio.gather(
        *(
            book(scheduling_client, flash, mentee, expert, month_slots[index % len(month_slots)])
            for index, mentee in enumerate(flash.mentees)
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 4, 409: 96}, statuses
    kinds = Counter(response.json()["type"] for response in responses if response.status_code == 409)
    assert set(kinds) <= {"/problems/slot-taken", "/problems/flash-limit-reached"}
    booked = [response.json() for response in responses if response.status_code == 201]
    assert len({item["start"] for item in booked}) == 4  # each slot once
    assert {item["month"] for item in booked} == {booked[0]["month"]}
    async with scheduling_db() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(FlashSession)
            .where(FlashSession.mentor_id == expert.id, FlashSession.status != "canceled")
        )
    assert live == 4

    # Canceling one gives its month place back.
    first = booked[0]
    canceled = await scheduling_client.post(
        f"/v1/flash-sessions/{first['id']}/cancel",
        json={"reason": "solved it myself"},
        headers={**flash.as_person(expert, "mentor"), "If-Match": '"1"'},
    )
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    taker = next(
        mentee
        for mentee, response in zip(flash.mentees, responses, strict=True)
        if response.status_code == 409
    )
    assert (await book(scheduling_client, flash, taker, expert, first["start"])).status_code == 201


async def test_100_concurrent_bookings_of_10_slots_under_a_roomy_limit_book_each_slot_exactly_once(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    # The monthly limit does not bind here: only the one-booking-per-slot guarantee decides.
    flash = await make_flash(scheduling_db, auth, scheduling_client, mentees=100, per_month=50)
    expert = flash.mentors[0]
    await every_day_hours(scheduling_client, flash, expert)
    # Every other half-hour slot, so that the organization's buffer between sessions never counts.
    month_slots = (await month_of_slots(scheduling_client, flash, expert, count=20))[::2]
    assert len(month_slots) == 10

    responses = await asyncio.gather(
        *(
            book(scheduling_client, flash, mentee, expert, month_slots[index % len(month_slots)])
            for index, mentee in enumerate(flash.mentees)
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 10, 409: 90}, statuses
    kinds = {response.json()["type"] for response in responses if response.status_code == 409}
    assert kinds == {"/problems/slot-taken"}, kinds
    booked = sorted(response.json()["start"] for response in responses if response.status_code == 201)
    assert booked == sorted(month_slots)
    async with scheduling_db() as session:
        rows = (
            await session.execute(
                select(FlashSession.starts_at, func.count())
                .where(FlashSession.mentor_id == expert.id, FlashSession.status != "canceled")
                .group_by(FlashSession.starts_at)
            )
        ).all()
    assert len(rows) == 10 and all(count == 1 for _, count in rows)


async def test_a_flash_session_shows_in_the_calendar_feeds_of_its_mentor_and_mentee_only(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    flash = await make_flash(scheduling_db, auth, scheduling_client, mentees=2)
    expert, other = flash.mentors
    mentee, bystander = flash.mentees
    await every_day_hours(scheduling_client, flash, expert)
    [start] = await month_of_slots(scheduling_client, flash, expert, count=1)
    booked = await book(scheduling_client, flash, mentee, expert, start)
    assert booked.status_code == 201, booked.text

    async def feed_events(person: PersonState, role: str) -> list[Any]:
        created = await scheduling_client.post(
            "/v1/calendar-feeds", json={}, headers=flash.as_person(person, role)
        )
        assert created.status_code == 201, created.text
        feed = await scheduling_client.get(urlsplit(created.json()["url"]).path)
        assert feed.status_code == 200
        return list(Calendar.from_ical(feed.content).events)

    for person, role in ((expert, "mentor"), (mentee, "mentee")):
        (event,) = await feed_events(person, role)
        assert str(event["UID"]) == calendar_uid(uuid.UUID(booked.json()["id"]))
        assert event.start == dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        assert event.end - event.start == dt.timedelta(minutes=30)
        assert str(event["URL"]) == "https://m.example/f" and "Yuki" in str(event["SUMMARY"])
    assert await feed_events(other, "mentor") == []
    assert await feed_events(bystander, "mentee") == []


async def month_of_slots(
    client: httpx.AsyncClient, flash: Flash, mentor: PersonState, *, count: int
) -> list[str]:
    """`count` of the mentor's free flash slots that fall in one month of the mentor's zone."""
    hours = [Hours(uuid.uuid4(), weekday, 9 * 60, 12 * 60) for weekday in range(7)]
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    slots = flash_slots(
        hours,
        time_zone=mentor.time_zone,
        minutes=30,
        window_start=now,
        window_end=now + dt.timedelta(days=28),
    )
    by_month: dict[str, list[str]] = {}
    for slot in slots:
        by_month.setdefault(month_of(slot.start, mentor.time_zone), []).append(
            slot.start.isoformat().replace("+00:00", "Z")
        )
    best = max(by_month.values(), key=len)
    assert len(best) >= count
    return best[:count]


async def outbox_types(sessions: async_sessionmaker[AsyncSession], subject: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(messaging.outbox.c.payload).where(messaging.outbox.c.payload.contains(subject.encode()))
        )
        envelopes = [orjson.loads(row.payload) for row in rows]
    return [envelope["type"] for envelope in envelopes if envelope["subject"] == subject]


async def test_a_flash_session_both_agree_on_asks_matching_for_a_long_term_match(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    flash = await make_flash(scheduling_db, auth, scheduling_client)
    expert, mentee = flash.mentors[0], flash.mentees[0]
    await every_day_hours(scheduling_client, flash, expert)
    [start] = await month_of_slots(scheduling_client, flash, expert, count=1)
    booked = (await book(scheduling_client, flash, mentee, expert, start)).json()
    url = f"/v1/flash-sessions/{booked['id']}"
    early = await scheduling_client.post(
        f"{url}/continue",
        json={"program_id": str(flash.long_term.id)},
        headers={**flash.as_person(mentee), "If-Match": '"1"'},
    )
    assert early.status_code == 409 and early.json()["type"] == "/problems/session-not-completed"
    # The session took place (moved into the past here, as time would).
    async with transaction(scheduling_db) as session:
        await session.execute(
            update(FlashSession)
            .where(FlashSession.id == uuid.UUID(booked["id"]))
            .values(
                starts_at=FlashSession.starts_at - dt.timedelta(days=40),
                ends_at=FlashSession.ends_at - dt.timedelta(days=40),
            )
        )
    done = await scheduling_client.post(
        f"{url}/complete", headers={**flash.as_person(expert, "mentor"), "If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    wrong = await scheduling_client.post(
        f"{url}/continue",
        json={"program_id": str(flash.program.id)},
        headers={**flash.as_person(mentee), "If-Match": '"2"'},
    )
    assert wrong.status_code == 422
    half = await scheduling_client.post(
        f"{url}/continue",
        json={"program_id": str(flash.long_term.id)},
        headers={**flash.as_person(mentee), "If-Match": '"2"'},
    )
    assert half.status_code == 200 and half.json()["mentee_agreed_at"] and not half.json()["mentor_agreed_at"]
    assert "mentorship.scheduling.flash_session.match_agreed.v1" not in await outbox_types(
        scheduling_db, booked["id"]
    )
    both = await scheduling_client.post(
        f"{url}/continue",
        json={"program_id": str(flash.long_term.id)},
        headers={**flash.as_person(expert, "mentor"), "If-Match": '"3"'},
    )
    assert both.status_code == 200 and both.json()["follow_up_program_id"] == str(flash.long_term.id)
    assert (await outbox_types(scheduling_db, booked["id"]))[
        -1
    ] == "mentorship.scheduling.flash_session.match_agreed.v1"


async def test_a_leavers_coming_flash_sessions_are_canceled(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    flash = await make_flash(scheduling_db, auth, scheduling_client)
    expert, mentee = flash.mentors[0], flash.mentees[0]
    await every_day_hours(scheduling_client, flash, expert)
    [start] = await month_of_slots(scheduling_client, flash, expert, count=1)
    booked = (await book(scheduling_client, flash, mentee, expert, start)).json()
    other = await scheduling_client.get(
        f"/v1/flash-sessions/{booked['id']}", headers=flash.as_person(flash.mentors[1], "mentor")
    )
    assert other.status_code == 404
    gone = expert.model_copy(update={"version": 2, "active": False})
    await apply(scheduling_db, PersonDeactivated(person=gone))
    after = (
        await scheduling_client.get(f"/v1/flash-sessions/{booked['id']}", headers=flash.as_person(mentee))
    ).json()
    assert after["status"] == "canceled" and after["cancel_reason"] == "participant deactivated"
    assert await mentors(scheduling_client, flash, skill="pytorch") == []
