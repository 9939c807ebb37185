"""Rebuilding matching's people from the profiles stream (`mentorship rebuild matching --from profiles`),
on real NATS and PostgreSQL: batches of events applied together, every person at their last version,
a redelivered batch applying nothing twice, a bad event parked while the rest of its batch applies,
and the live consumer going on beside the replay.

Each test has a namespace of its own (its own profiles stream and dead-letter stream), so a replay
sees exactly the history the test wrote."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Sequence

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.errors import ConnectionClosedError
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.handlers import profiles_handlers
from matching.models import MentorSlots, Person, ReadModelRevision, messaging
from mentorship.rebuild import Rebuilt, rebuild
from shared.consumer import EventConsumer
from shared.contracts.profiles import (
    EnrollmentCreated,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    PersonUpdated,
    ProgramCreated,
)
from shared.db import session_factory
from shared.deadletter import list_parked
from shared.events import CloudEvent, Event, stream_name
from shared.streams import ensure_deadletter_stream, ensure_service_stream
from tests.conftest import Platform, new_org, running_workers, service_settings
from tests.matching.factories import ReadModel, enrollment, person, program
from tests.toolkit import eventually

# A replay that never ends (an event retried with backoff instead of parked) fails the test instead.
REPLAY_TIMEOUT_SECONDS = 60.0


@pytest.fixture
async def history(platform: Platform) -> AsyncIterator[tuple[Platform, JetStreamContext]]:
    """This test's own namespace, with an empty profiles stream and dead-letter stream."""
    own = dataclasses.replace(platform, namespace=f"rb{uuid.uuid4().hex[:10]}")
    connection: NATS = await nats.connect(own.nats_url)
    js = connection.jetstream()
    await ensure_service_stream(js, namespace=own.namespace, service="profiles")
    await ensure_deadletter_stream(js, namespace=own.namespace)
    try:
        yield own, js
    finally:
        # Every stream of the namespace (a live worker adds matching's own).
        prefix = f"{own.namespace}_".upper()
        for info in await js.streams_info():
            if info.config.name and info.config.name.startswith(prefix):
                await js.delete_stream(info.config.name)
        await connection.close()


async def publish(js: JetStreamContext, namespace: str, events: Sequence[Event]) -> list[CloudEvent]:
    """Publish profiles events as profiles' relay does (message id = event id)."""
    envelopes = []
    for event in events:
        state = getattr(event, "person", None) or getattr(event, "program", None) or event.enrollment  # type: ignore[attr-defined]
        envelope = CloudEvent.wrap(event, organization=state.organization, subject=str(state.id))
        kind = event.event_type
        await js.publish(
            f"{namespace}.{kind.service}.{kind.entity}.{kind.action}",
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(envelope.id)},
        )
        envelopes.append(envelope)
    return envelopes


async def replayed(own: Platform, *, batch_size: int) -> Rebuilt:
    """`mentorship rebuild matching --from profiles` against this test's namespace."""
    settings = service_settings("matching", own)
    return await asyncio.wait_for(
        rebuild("matching", "profiles", settings=settings, batch_size=batch_size, progress=False),
        timeout=REPLAY_TIMEOUT_SECONDS,
    )


async def people_of(engine: AsyncEngine, organization: str) -> dict[uuid.UUID, Person]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(Person).where(Person.organization == organization))
        return {row.id: row for row in rows}


async def revision_of(engine: AsyncEngine, organization: str) -> int:
    async with session_factory(engine)() as session:
        row = await session.get(ReadModelRevision, organization)
    return row.revision if row is not None else 0


def renamed(state: PersonState, version: int, **changes: object) -> PersonState:
    return PersonState.model_validate(
        {**state.model_dump(), "version": version, "name": f"{state.name} v{version}", **changes}
    )


def counted(metric: str, consumer: str) -> float:
    return REGISTRY.get_sample_value(metric, {"consumer": consumer}) or 0.0


async def test_a_replay_in_batches_leaves_every_person_at_their_last_version(
    history: tuple[Platform, JetStreamContext], read_model: ReadModel, matching_engine: AsyncEngine
) -> None:
    own, js = history
    org = new_org()
    people = [person(org, name=f"Person {index}") for index in range(120)]
    mentor = people[0]
    state = program(org)
    events: list[Event] = [PersonCreated(person=someone) for someone in people]
    events += [
        ProgramCreated(program=state),
        EnrollmentCreated(enrollment=enrollment(org, state.id, mentor.id, "mentor")),
    ]
    # Forty people change twice; for ten of them the newest state is in the stream before the older
    # one (out of order), and the mentor is deactivated, then reactivated with another capacity.
    for someone in people[1:41]:
        events.append(PersonUpdated(person=renamed(someone, 2)))
    for someone in people[1:11]:
        events.append(PersonUpdated(person=renamed(someone, 4)))
    for someone in people[1:11]:
        events.append(PersonUpdated(person=renamed(someone, 3)))  # older, later in the stream
    events.append(PersonDeactivated(person=renamed(mentor, 2, active=False)))
    events.append(PersonReactivated(person=renamed(mentor, 3, active=True, mentor_capacity=3)))
    # Before the replay, the read model holds an older state of one person, and of another a state
    # newer than any in the stream (a replayed state no newer than the row changes nothing).
    await read_model.apply(PersonUpdated(person=renamed(people[5], 2)))
    kept = renamed(people[70], 7)
    await read_model.apply(PersonUpdated(person=kept))
    await publish(js, own.namespace, events)

    result = await replayed(own, batch_size=25)

    assert (result.events, result.parked) == (len(events), 0)
    rows = await people_of(matching_engine, org)
    expected = {someone.id: 1 for someone in people} | {someone.id: 2 for someone in people[1:41]}
    expected |= {someone.id: 4 for someone in people[1:11]} | {mentor.id: 3, kept.id: 7}
    assert {person_id: row.version for person_id, row in rows.items()} == expected
    assert rows[kept.id].name == kept.name
    assert {rows[someone.id].name for someone in people[1:11]} == {
        f"{someone.name} v4" for someone in people[1:11]
    }
    assert rows[mentor.id].active and rows[mentor.id].mentor_capacity == 3
    async with session_factory(matching_engine)() as session:
        slots = await session.get(MentorSlots, (state.id, mentor.id))
        leftover = await session.scalar(
            select(func.count())
            .select_from(messaging.inbox)
            .where(messaging.inbox.c.consumer == result.consumer)
        )
    assert slots is not None and slots.capacity == 3
    assert leftover == 0, "the replay's inbox rows are removed once it is done"
    consumers = [info.name for info in await js.consumers_info(stream_name(own.namespace, "profiles"))]
    assert result.consumer not in consumers, "the replay's consumer is removed once it is done"


async def test_a_batch_redelivered_after_its_commit_applies_nothing_twice(
    history: tuple[Platform, JetStreamContext], matching_engine: AsyncEngine
) -> None:
    own, js = history
    org = new_org()
    people = [person(org) for _ in range(30)]
    events: list[Event] = [PersonCreated(person=someone) for someone in people]
    events += [PersonDeactivated(person=renamed(someone, 2, active=False)) for someone in people[:10]]
    await publish(js, own.namespace, events)
    name = f"matching-rebuild-{uuid.uuid4().hex[:8]}"
    settings = service_settings("matching", own)

    def replay_consumer(stream_js: JetStreamContext) -> EventConsumer:
        return EventConsumer(
            name=name, source_service="profiles", handlers=profiles_handlers,
            sessions=session_factory(matching_engine), inbox=messaging.inbox, js=stream_js,
            namespace=own.namespace, batch_size=100, ack_wait=1.0,
            max_deliver=settings.consumer_max_deliver,
        )  # fmt: skip

    # The batch commits, then the process loses NATS before it can acknowledge anything.
    crashing: NATS = await nats.connect(own.nats_url)
    consumer = replay_consumer(crashing.jetstream())
    await consumer.ensure()
    subscription = await crashing.jetstream().pull_subscribe_bind(name, stream=consumer.stream)
    batch = await subscription.fetch(len(events), timeout=5)
    assert len(batch) == len(events)
    await crashing.close()
    with pytest.raises(ConnectionClosedError):  # on the first acknowledgement, after the commit
        await consumer.handle_batch(batch)
    after_first = await people_of(matching_engine, org)
    revision = await revision_of(matching_engine, org)
    assert {row.version for row in after_first.values()} == {1, 2} and len(after_first) == 30

    # The server hands the whole batch out again once its ack wait is over.
    again: NATS = await nats.connect(own.nats_url)
    try:
        consumer = replay_consumer(again.jetstream())
        subscription = await again.jetstream().pull_subscribe_bind(name, stream=consumer.stream)
        duplicates_before = counted("consumer_duplicates_total", name)
        redelivered = await subscription.fetch(len(events), timeout=10)
        assert len(redelivered) == len(events)
        assert all(message.metadata.num_delivered == 2 for message in redelivered)
        await consumer.handle_batch(redelivered)
        assert all(message.is_acked for message in redelivered)
    finally:
        await again.close()

    assert counted("consumer_duplicates_total", name) - duplicates_before == len(events)
    assert await revision_of(matching_engine, org) == revision, "nothing took effect a second time"
    after_second = await people_of(matching_engine, org)
    assert {key: (row.version, row.active) for key, row in after_second.items()} == {
        key: (row.version, row.active) for key, row in after_first.items()
    }
    async with session_factory(matching_engine)() as session:
        recorded = await session.scalar(
            select(func.count()).select_from(messaging.inbox).where(messaging.inbox.c.consumer == name)
        )
        await session.execute(messaging.inbox.delete().where(messaging.inbox.c.consumer == name))
        await session.commit()
    assert recorded == len(events)


async def test_an_event_matching_cannot_hold_is_parked_while_the_rest_of_its_batch_applies(
    history: tuple[Platform, JetStreamContext], matching_engine: AsyncEngine
) -> None:
    own, js = history
    org = new_org()
    people = [person(org) for _ in range(40)]
    # A valid profiles event whose name is longer than matching's column holds: PostgreSQL refuses it,
    # on every delivery.
    unfit = person(org, name="N" * 300)
    events: list[Event] = [PersonCreated(person=someone) for someone in people[:20]]
    events.append(PersonCreated(person=unfit))
    events += [PersonCreated(person=someone) for someone in people[20:]]
    envelopes = await publish(js, own.namespace, events)

    result = await replayed(own, batch_size=100)  # the whole history in one batch

    assert (result.events, result.parked) == (41, 1)
    rows = await people_of(matching_engine, org)
    assert set(rows) == {someone.id for someone in people}
    [parked] = await list_parked(js, namespace=own.namespace, consumer=result.consumer)
    assert parked.event_id == str(envelopes[20].id)
    assert parked.deliveries == 1, "parked at once, not after every retry"
    assert "refuses the person" in parked.error and "N" * 20 not in parked.error


async def test_the_live_consumer_goes_on_applying_new_events_during_a_replay(
    history: tuple[Platform, JetStreamContext], matching_engine: AsyncEngine
) -> None:
    own, js = history
    org = new_org()
    people = [person(org) for _ in range(150)]
    await publish(js, own.namespace, [PersonCreated(person=someone) for someone in people])
    newcomers = [person(org, name="Newcomer") for _ in range(20)]

    async with running_workers(own, "matching"):
        replay = asyncio.create_task(replayed(own, batch_size=20))
        # While the replay runs: new people, and changes to people the replay is going through.
        await publish(js, own.namespace, [PersonCreated(person=someone) for someone in newcomers])
        await publish(
            js, own.namespace, [PersonUpdated(person=renamed(someone, 2)) for someone in people[:30]]
        )
        result = await replay

        async def converged() -> bool:
            rows = await people_of(matching_engine, org)
            return len(rows) == 170 and all(rows[someone.id].version == 2 for someone in people[:30])

        await eventually(converged, what="the live consumer applied what came after the replay began")

    assert result.parked == 0 and result.events >= 150
    rows = await people_of(matching_engine, org)
    assert {rows[someone.id].name for someone in newcomers} == {"Newcomer"}
    assert {rows[someone.id].version for someone in people[30:]} == {1}


async def test_the_operator_command_prints_the_result_and_fails_when_events_were_parked(
    history: tuple[Platform, JetStreamContext], matching_engine: AsyncEngine
) -> None:
    own, js = history
    org = new_org()
    fine = [person(org) for _ in range(3)]
    await publish(js, own.namespace, [PersonCreated(person=someone) for someone in fine])
    await publish(js, own.namespace, [PersonCreated(person=person(org, name="N" * 300))])

    command = [sys.executable, "-m", "mentorship.cli", "rebuild", "matching", "--from", "profiles", "--json"]
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        env={**os.environ, **own.settings_env(), "LOG_LEVEL": "CRITICAL"},
        capture_output=True,
        timeout=REPLAY_TIMEOUT_SECONDS,
    )

    assert done.returncode == 1, done.stderr.decode()[-2000:]
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert (result["service"], result["publisher"], result["events"], result["parked"]) == (
        "matching",
        "profiles",
        4,
        1,
    )
    assert set(await people_of(matching_engine, org)) == {someone.id for someone in fine}
