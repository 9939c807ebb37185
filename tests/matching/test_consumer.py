"""Matching's consumer of the profiles stream on real NATS: duplicates and out-of-order delivery."""

from __future__ import annotations

import uuid

import nats
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.models import Enrollment, MentorSlots, Person
from shared.contracts.profiles import EnrollmentCreated, PersonCreated, PersonUpdated, ProgramCreated
from shared.db import session_factory
from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import Platform, new_org, running_workers
from tests.matching.factories import enrollment, person, program
from tests.toolkit import eventually


async def publish(platform: Platform, *deliveries: tuple[Event, CloudEvent | None]) -> list[CloudEvent]:
    """Publish events on the profiles stream as its relay would; a given envelope is sent again as is."""
    connection = await nats.connect(platform.nats_url)
    sent = []
    try:
        js = connection.jetstream()
        await ensure_service_stream(js, namespace=platform.namespace, service="profiles")
        for event, envelope in deliveries:
            state = getattr(event, "person", None) or getattr(event, "program", None) or event.enrollment  # type: ignore[attr-defined]
            envelope = envelope or CloudEvent.wrap(event, organization=state.organization, subject=None)
            kind = event.event_type
            await js.publish(
                f"{platform.namespace}.{kind.service}.{kind.entity}.{kind.action}",
                orjson.dumps(envelope.model_dump(mode="json")),
                # A fresh message id: the stream keeps the copy, so the consumer sees a true duplicate.
                headers={"Nats-Msg-Id": uuid.uuid4().hex},
            )
            sent.append(envelope)
    finally:
        await connection.close()
    return sent


async def test_duplicated_and_reordered_profiles_events_converge(
    platform: Platform, matching_engine: AsyncEngine
) -> None:
    org = new_org()
    mentor_v1 = person(org, name="First name", capacity=1)
    mentor_v2 = person(org, person_id=mentor_v1.id, version=2, name="Second name", capacity=3)
    mentor_v3 = person(org, person_id=mentor_v1.id, version=3, name="Third name", capacity=2)
    state = program(org)
    mentoring = enrollment(org, state.id, mentor_v1.id, "mentor")

    async with running_workers(platform, "matching"):
        [created] = await publish(platform, (PersonCreated(person=mentor_v1), None))
        await publish(
            platform,
            (PersonUpdated(person=mentor_v3), None),
            (PersonUpdated(person=mentor_v2), None),  # older, arrives later
            (PersonCreated(person=mentor_v1), created),  # the very same event again
            (ProgramCreated(program=state), None),
            (EnrollmentCreated(enrollment=mentoring), None),
        )

        async def converged() -> bool:
            async with session_factory(matching_engine)() as session:
                slots = await session.get(MentorSlots, (state.id, mentor_v1.id))
                row = await session.get(Person, mentor_v1.id)
                enrolled = await session.get(Enrollment, mentoring.id)
            return slots is not None and row is not None and enrolled is not None and slots.capacity == 2

        await eventually(converged, what="the read model converged")

    async with session_factory(matching_engine)() as session:
        row = await session.get(Person, mentor_v1.id)
    assert row is not None and (row.version, row.name, row.mentor_capacity) == (3, "Third name", 2)
