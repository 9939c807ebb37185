"""Outbox, relay, consumer and inbox on real PostgreSQL and NATS, with the faults they must survive."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence

import nats
import orjson
import pytest
from sqlalchemy import select

from mentorship.embedded import EmbeddedNats
from shared.deadletter import list_parked, replay
from shared.events import CloudEvent, stream_name
from tests.conftest import Platform
from tests.shared.pipeline import SERVICE, ThingChanged, pipeline


async def stream_messages(nats_url: str, stream: str) -> int:
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().stream_info(stream)
        return int(info.state.messages)
    finally:
        await connection.close()


async def test_events_written_while_nats_is_down_arrive_exactly_once_after_restart(
    platform: Platform, own_nats: EmbeddedNats
) -> None:
    async with pipeline(platform.database_url, own_nats.url) as p:
        p.start((await p.relay()).run)
        p.start((await p.consumer()).run)
        await p.write(5)
        assert await p.wait_for_effects(5) == (5, 5)

        own_nats.stop()
        await p.write(500)  # the writes succeed: the outbox holds the events
        await asyncio.sleep(1.0)
        assert await p.unpublished() == 500

        own_nats.start()
        assert await p.wait_for_effects(505, timeout=60) == (505, 505)
        await asyncio.sleep(1.0)  # nothing more arrives late
        assert await p.effect_counts() == (505, 505)
        assert await p.unpublished() == 0


async def test_relay_killed_between_publish_and_mark_causes_no_duplicate_effect(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        published_then_crashed: list[Sequence[str]] = []

        async def crash(ids: Sequence[str]) -> None:
            published_then_crashed.append(ids)
            raise SystemExit("relay process killed after the server acked, before marking")

        await p.write(50)
        crashing = await p.relay(after_publish=crash)
        with pytest.raises(SystemExit):
            await crashing.relay_once()
        assert len(published_then_crashed[0]) == 50
        assert await p.unpublished() == 50  # the crash rolled back the marks

        p.start((await p.relay()).run)  # a fresh relay publishes the same rows again
        p.start((await p.consumer()).run)
        assert await p.wait_for_effects(50) == (50, 50)
        await asyncio.sleep(0.5)
        assert await p.effect_counts() == (50, 50)
        assert await p.unpublished() == 0
        # The stream itself dropped the re-publish (Nats-Msg-Id = event id).
        assert await stream_messages(p.nats_url, stream_name(p.namespace, SERVICE)) == 50


async def test_several_relays_share_the_outbox_without_duplicates(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        await p.write(300)
        for _ in range(3):
            p.start((await p.relay(batch_size=20)).run)
        p.start((await p.consumer()).run)
        assert await p.wait_for_effects(300) == (300, 300)
        assert await stream_messages(p.nats_url, stream_name(p.namespace, SERVICE)) == 300


async def test_redelivered_and_out_of_order_events_leave_the_read_model_correct(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        # Three versions of 20 things, delivered shuffled and each twice (as new messages, past dedup).
        envelopes = []
        for thing in range(20):
            for version in (1, 2, 3):
                event = ThingChanged(thing_id=f"thing-{thing}", version=version, name=f"v{version}")
                envelopes.append(CloudEvent.wrap(event, organization="org", subject=event.thing_id))
        deliveries = envelopes * 2
        random.Random(7).shuffle(deliveries)
        connection = await nats.connect(p.nats_url)
        js = connection.jetstream()
        subject = ThingChanged.event_type.subject(p.namespace)
        for number, envelope in enumerate(deliveries):
            payload = orjson.dumps(envelope.model_dump(mode="json"))
            await js.publish(subject, payload, headers={"Nats-Msg-Id": f"delivery-{number}"})
        await connection.close()

        p.start((await p.consumer()).run)
        assert await p.wait_for_effects(60) == (60, 60)
        await asyncio.sleep(0.5)
        assert await p.effect_counts() == (60, 60)  # the 60 repeats had no effect
        async with p.sessions() as session:
            rows = (
                await session.execute(select(p.things.c.thing_id, p.things.c.version, p.things.c.name))
            ).all()
        assert len(rows) == 20
        assert all(row.version == 3 and row.name == "v3" for row in rows)


async def test_poison_message_is_parked_and_can_be_replayed(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        good, bad = await p.write(2)
        p.poison_ids.add(bad)
        connection = await nats.connect(p.nats_url)
        js = connection.jetstream()
        # Also a message that is not a CloudEvent at all.
        await js.publish(
            ThingChanged.event_type.subject(p.namespace), b"{not json", headers={"Nats-Msg-Id": "junk"}
        )
        p.start((await p.relay()).run)
        p.start((await p.consumer()).run)
        assert await p.wait_for_effects(1) == (1, 1)

        parked: list = []
        for _ in range(100):
            parked = await list_parked(js, namespace=p.namespace)
            if len(parked) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(parked) == 2
        poisoned = next(item for item in parked if item.event_type == ThingChanged.event_type.name)
        assert poisoned.consumer == "tester"
        assert "can never be applied" in poisoned.error
        junk = next(item for item in parked if item.event_type is None)
        assert "not a valid CloudEvent" in junk.error

        p.poison_ids.clear()  # the operator fixed the cause
        await replay(js, namespace=p.namespace, seq=poisoned.seq)
        assert await p.wait_for_effects(2) == (2, 2)
        remaining = await list_parked(js, namespace=p.namespace)
        assert [item.seq for item in remaining] == [junk.seq]
        async with p.sessions() as session:
            applied = set((await session.execute(select(p.things.c.thing_id))).scalars())
        assert applied == {good, bad}
        await connection.close()


async def test_transient_failures_are_retried_then_parked_after_max_deliver(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        (thing,) = await p.write(1)
        p.failing_ids.add(thing)
        p.start((await p.relay()).run)
        p.start((await p.consumer(max_deliver=2)).run)
        connection = await nats.connect(p.nats_url)
        parked: list = []
        for _ in range(100):
            parked = await list_parked(connection.jetstream(), namespace=p.namespace)
            if parked:
                break
            await asyncio.sleep(0.1)
        await connection.close()
        assert len(parked) == 1
        assert parked[0].deliveries == 2
        assert "RuntimeError" in parked[0].error
        assert await p.effect_counts() == (0, 0)


async def test_events_added_in_one_batch_are_each_delivered_once(platform: Platform) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        events = [(ThingChanged(thing_id=f"t{i}", version=1, name="v1"), "org", f"t{i}") for i in range(120)]
        async with p.sessions() as session, session.begin():
            envelopes = await p.outbox.add_many(session, events)
        assert len({envelope.id for envelope in envelopes}) == 120
        p.start((await p.relay()).run)
        p.start((await p.consumer()).run)
        assert await p.wait_for_effects(120) == (120, 120)


async def test_a_worker_stopped_mid_batch_gives_its_events_back_at_once(platform: Platform) -> None:
    # A long ack wait: without the `nak` on shutdown the next worker would wait it out.
    async with pipeline(platform.database_url, platform.nats_url) as p:
        p.start((await p.relay()).run)
        p.hold = asyncio.Event()
        first = asyncio.create_task((await p.consumer(ack_wait=30.0)).run(asyncio.Event()))
        ids = await p.write(3)
        for _ in range(200):
            if p.calls:
                break
            await asyncio.sleep(0.05)
        assert p.calls, "the first worker never took the batch"
        first.cancel()  # what SIGTERM does to a worker's tasks
        with contextlib.suppress(asyncio.CancelledError):
            await first
        p.hold = None

        started = asyncio.get_running_loop().time()
        p.start((await p.consumer(ack_wait=30.0)).run)
        assert await p.wait_for_effects(3, timeout=20) == (3, 3)
        assert asyncio.get_running_loop().time() - started < 15, "waited out the ack wait"
        assert set(p.calls) == set(ids)


async def test_a_handler_slower_than_the_ack_wait_is_not_redelivered(platform: Platform) -> None:
    # `+WPI` keeps the message ours while the handler runs: no second delivery at all.
    async with pipeline(platform.database_url, platform.nats_url) as p:
        p.start((await p.relay()).run)
        p.slow_seconds = 3.5
        # Two replicas: without `+WPI` the idle one would be handed the message after the ack wait.
        p.start((await p.consumer(ack_wait=1.0)).run)
        p.start((await p.consumer(ack_wait=1.0)).run)
        (thing,) = await p.write(1)
        assert await p.wait_for_effects(1, timeout=20) == (1, 1)
        await asyncio.sleep(2.0)  # a redelivery would have come by now
        assert p.calls == {thing: 1}
        connection = await nats.connect(platform.nats_url)
        try:
            info = await connection.jetstream().consumer_info(stream_name(p.namespace, SERVICE), "tester")
        finally:
            await connection.close()
        # The inbox would hide a second delivery from the effects: the server's count of deliveries
        # (its consumer sequence, one per delivery, redeliveries included) does not.
        assert info.delivered.consumer_seq == 1
