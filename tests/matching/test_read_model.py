"""The read model built from profiles events: version-checked, order-independent, with its effects."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import httpx
import orjson
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.handlers import profiles_handlers
from matching.models import MentorSlots, Person, messaging
from shared.contracts.profiles import (
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonUpdated,
    ProgramUpdated,
)
from shared.db import session_factory
from shared.events import CloudEvent
from tests.conftest import AuthHeaders, new_org
from tests.matching.factories import ReadModel, enrollment, person, program

StateT = TypeVar("StateT", bound=BaseModel)


def changed(state: StateT, updates: dict[str, Any]) -> StateT:
    """The state with `updates`, validated again as a profiles event would carry it."""
    return type(state).model_validate({**state.model_dump(), **updates})


async def ended_events(engine: AsyncEngine, match_id: str) -> list[dict]:
    async with session_factory(engine)() as session:
        rows = await session.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.seq))
    envelopes = [orjson.loads(row.payload) for row in rows]
    return [
        envelope["data"]["match"]
        for envelope in envelopes
        if envelope["subject"] == match_id and envelope["type"] == "mentorship.matching.match.ended.v1"
    ]


async def requested_and_accepted(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    org: str,
    program_id: uuid.UUID,
    mentee: uuid.UUID,
    mentor: uuid.UUID,
    *,
    accept: bool = True,
) -> str:
    created = await client.post(
        f"/v1/programs/{program_id}/requests",
        json={"mentor_id": str(mentor)},
        headers=auth(org, str(mentee), "mentee"),
    )
    assert created.status_code == 201, created.text
    if accept:
        await client.post(
            f"/v1/matches/{created.json()['id']}/accept", headers=auth(org, str(mentor), "mentor")
        )
    return str(created.json()["id"])


async def test_an_older_person_event_arriving_late_changes_nothing(
    read_model: ReadModel, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    person_id = uuid.uuid4()
    newer = person(org, person_id=person_id, version=3, name="Newest")
    older = person(org, person_id=person_id, version=2, name="Older")

    await read_model.apply(PersonUpdated(person=newer))
    await read_model.apply(PersonUpdated(person=older))
    await read_model.apply(PersonUpdated(person=newer))  # a redelivery

    async with session_factory(matching_engine)() as session:
        row = await session.get(Person, person_id)
    assert row is not None and (row.name, row.version) == ("Newest", 3)


async def test_deactivating_a_person_ends_their_open_and_active_matches(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, capacity=3, seniority="staff")
    mentees = [person(org, interests={"pytorch": (1, 3)}, seniority="junior") for _ in range(3)]
    state = await read_model.program_with(org, mentors=[mentor], mentees=mentees, mode="mentee_choice")
    live = await requested_and_accepted(matching_client, auth, org, state.id, mentees[0].id, mentor.id)
    pending = await requested_and_accepted(
        matching_client, auth, org, state.id, mentees[1].id, mentor.id, accept=False
    )
    other = await requested_and_accepted(matching_client, auth, org, state.id, mentees[2].id, mentor.id)

    gone = changed(mentor, {"version": 2, "active": False})
    await read_model.apply(PersonDeactivated(person=gone))
    await read_model.apply(PersonDeactivated(person=gone))  # a duplicate changes nothing more

    admin = auth(org, "admin", "admin")
    for match_id in (live, pending, other):
        match = (await matching_client.get(f"/v1/matches/{match_id}", headers=admin)).json()
        assert (match["status"], match["end_reason"]) == ("ended", "person_deactivated")
        [event] = await ended_events(matching_engine, match_id)
        assert event["end_reason"] == "person_deactivated"
    async with session_factory(matching_engine)() as session:
        slots = await session.get(MentorSlots, (state.id, mentor.id))
    assert slots is not None and (slots.used, slots.capacity) == (0, 0)

    await read_model.apply(PersonReactivated(person=changed(mentor, {"version": 3, "active": True})))
    async with session_factory(matching_engine)() as session:
        slots = await session.get(MentorSlots, (state.id, mentor.id))
    assert slots is not None and slots.capacity == 3


async def test_a_late_stale_deactivation_does_not_end_matches_of_a_reactivated_person(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    state = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="mentee_choice")
    await read_model.apply(PersonReactivated(person=changed(mentor, {"version": 3})))
    match_id = await requested_and_accepted(matching_client, auth, org, state.id, mentee.id, mentor.id)

    await read_model.apply(PersonDeactivated(person=changed(mentor, {"version": 2, "active": False})))

    match = (await matching_client.get(f"/v1/matches/{match_id}", headers=auth(org, "a", "admin"))).json()
    assert match["status"] == "accepted"


async def test_withdrawing_an_enrollment_ends_matches_in_that_program_only(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    first = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="mentee_choice")
    second = program(org, mode="mentee_choice")
    mentee_in_second = enrollment(org, second.id, mentee.id, "mentee")
    from shared.contracts.profiles import EnrollmentCreated, ProgramCreated

    await read_model.apply(
        ProgramCreated(program=second),
        EnrollmentCreated(enrollment=enrollment(org, second.id, mentor.id, "mentor")),
        EnrollmentCreated(enrollment=mentee_in_second),
    )
    in_first = await requested_and_accepted(matching_client, auth, org, first.id, mentee.id, mentor.id)
    in_second = await requested_and_accepted(matching_client, auth, org, second.id, mentee.id, mentor.id)

    withdrawn = changed(mentee_in_second, {"version": 2, "status": "withdrawn"})
    await read_model.apply(EnrollmentWithdrawn(enrollment=withdrawn))

    admin = auth(org, "a", "admin")
    assert (await matching_client.get(f"/v1/matches/{in_first}", headers=admin)).json()[
        "status"
    ] == "accepted"
    ended = (await matching_client.get(f"/v1/matches/{in_second}", headers=admin)).json()
    assert (ended["status"], ended["end_reason"]) == ("ended", "enrollment_withdrawn")


async def test_mentor_capacity_follows_the_enrollment_override_then_the_person(
    read_model: ReadModel, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentor = person(org, capacity=4)
    state = program(org)
    mentoring = enrollment(org, state.id, mentor.id, "mentor", capacity=1)
    from shared.contracts.profiles import EnrollmentCreated, PersonCreated, ProgramCreated

    # The enrollment arrives before the person: capacity stays 0 until the person is known.
    await read_model.apply(ProgramCreated(program=state), EnrollmentCreated(enrollment=mentoring))
    async with session_factory(matching_engine)() as session:
        before = await session.get(MentorSlots, (state.id, mentor.id))
        assert before is not None and before.capacity == 0
    await read_model.apply(PersonCreated(person=mentor))
    async with session_factory(matching_engine)() as session:
        overridden = await session.get(MentorSlots, (state.id, mentor.id))
        assert overridden is not None and overridden.capacity == 1
    await read_model.apply(
        EnrollmentUpdated(enrollment=changed(mentoring, {"version": 2, "mentor_capacity": None}))
    )
    async with session_factory(matching_engine)() as session:
        from_person = await session.get(MentorSlots, (state.id, mentor.id))
        assert from_person is not None and from_person.capacity == 4


async def test_closing_a_program_ends_its_matches(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    state = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="mentee_choice")
    match_id = await requested_and_accepted(matching_client, auth, org, state.id, mentee.id, mentor.id)

    await read_model.apply(ProgramUpdated(program=changed(state, {"version": 2, "status": "closed"})))

    match = (await matching_client.get(f"/v1/matches/{match_id}", headers=auth(org, "a", "admin"))).json()
    assert (match["status"], match["end_reason"]) == ("ended", "program_closed")


async def test_a_run_of_person_events_handled_together_converges_as_one_by_one(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentor = person(org, skills={"pytorch": 5}, capacity=2, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    state = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="mentee_choice")
    match_id = await requested_and_accepted(matching_client, auth, org, state.id, mentee.id, mentor.id)
    newcomer = person(org, name="Newcomer")
    run = [
        PersonDeactivated(person=changed(mentor, {"version": 2, "active": False})),
        PersonCreated(person=newcomer),
        PersonUpdated(person=changed(mentee, {"version": 5, "name": "Renamed"})),
        PersonUpdated(person=changed(mentee, {"version": 4, "name": "Stale"})),  # out of order
        PersonReactivated(person=changed(mentor, {"version": 3, "active": True})),
        PersonCreated(person=newcomer),  # a duplicate in the same run
    ]
    batch = profiles_handlers.get_batch(PersonCreated.event_type.name)
    assert batch is not None
    async with session_factory(matching_engine)() as session, session.begin():
        await batch(
            session, [(CloudEvent.wrap(event, organization=org, subject=None), event) for event in run]
        )

    # The deactivation took effect before the reactivation, exactly as one event after the other.
    match = (await matching_client.get(f"/v1/matches/{match_id}", headers=auth(org, "a", "admin"))).json()
    assert (match["status"], match["end_reason"]) == ("ended", "person_deactivated")
    async with session_factory(matching_engine)() as session:
        ids = [mentor.id, mentee.id, newcomer.id]
        rows = {row.id: row for row in await session.scalars(select(Person).where(Person.id.in_(ids)))}
        slots = await session.get(MentorSlots, (state.id, mentor.id))
    assert (rows[mentor.id].version, rows[mentor.id].active) == (3, True)
    assert (rows[mentee.id].version, rows[mentee.id].name) == (5, "Renamed")
    assert rows[newcomer.id].name == "Newcomer"
    assert slots is not None and (slots.used, slots.capacity) == (0, 2)
