"""`mentorship deadletters`: an operator lists what real consumers parked and replays it through the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import nats
from typer.testing import CliRunner, Result

from mentorship.cli import app
from shared.deadletter import ParkedMessage, list_parked
from shared.events import stream_name
from tests.conftest import Platform
from tests.shared.pipeline import SERVICE, Pipeline, ThingChanged, pipeline

runner = CliRunner()


async def mentorship(p: Pipeline, *args: str) -> Result:
    """Run `mentorship ARGS` against the pipeline's NATS and namespace, as an operator's shell would."""
    env: Mapping[str, str] = {"NATS_URL": p.nats_url, "EVENT_NAMESPACE": p.namespace}
    # The command runs its own event loop, so it gets a thread of its own.
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


def parked_json(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


async def wait_until_parked(p: Pipeline, count: int) -> list[ParkedMessage]:
    connection = await nats.connect(p.nats_url)
    try:
        for _ in range(150):
            parked = await list_parked(connection.jetstream(), namespace=p.namespace)
            if len(parked) >= count:
                return parked
            await asyncio.sleep(0.1)
        raise AssertionError(f"expected {count} parked events, found {len(parked)}")
    finally:
        await connection.close()


async def wait_until_caught_up(p: Pipeline, *consumers: str) -> None:
    """Every message of the stream delivered to and acknowledged by each consumer."""
    connection = await nats.connect(p.nats_url)
    try:
        js = connection.jetstream()
        for _ in range(150):
            infos = [await js.consumer_info(stream_name(p.namespace, SERVICE), name) for name in consumers]
            if all(info.num_pending == 0 and info.num_ack_pending == 0 for info in infos):
                return
            await asyncio.sleep(0.1)
        raise AssertionError("consumers did not catch up")
    finally:
        await connection.close()


async def test_operator_lists_a_poisoned_event_and_replays_it_once_the_cause_is_fixed(
    platform: Platform,
) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        _good, bad = await p.write(2)
        p.poison_ids.add(bad)
        p.start((await p.relay()).run)
        p.start((await p.consumer(name="matching")).run)
        assert await p.wait_for_effects(1) == (1, 1)
        await wait_until_parked(p, 1)

        (parked,) = parked_json(await mentorship(p, "deadletters", "list", "--json"))
        assert parked["consumer"] == "matching"
        assert parked["event_type"] == ThingChanged.event_type.name
        assert parked["original_subject"] == ThingChanged.event_type.subject(p.namespace)
        assert "can never be applied" in parked["error"]
        seq = str(parked["seq"])

        table = await mentorship(p, "deadletters", "list")
        assert table.exit_code == 0
        assert "parked events (1)" in table.stdout
        assert "matching" in table.stdout
        assert "PoisonEvent" in table.stdout

        others = await mentorship(p, "deadletters", "list", "--consumer", "feedback")
        assert others.exit_code == 0
        assert others.stdout == ""
        assert "no parked events of consumer feedback" in others.stderr

        # A sequence that belongs to another consumer is refused, and stays parked.
        refused = await mentorship(p, "deadletters", "replay", seq, "--consumer", "feedback")
        assert refused.exit_code == 1
        assert f"no parked event {seq} of consumer feedback" in refused.stderr
        assert len(parked_json(await mentorship(p, "deadletters", "list", "--json"))) == 1

        p.poison_ids.clear()  # the operator fixed the cause
        replayed = await mentorship(p, "deadletters", "replay", seq)
        assert replayed.exit_code == 0, replayed.output
        assert f"replayed {seq}: {ThingChanged.event_type.name} {parked['event_id']}" in replayed.stdout
        assert await p.wait_for_effects(2) == (2, 2)
        assert parked_json(await mentorship(p, "deadletters", "list", "--json")) == []

        missing = await mentorship(p, "deadletters", "replay", seq)
        assert missing.exit_code == 1
        assert f"no parked event {seq}" in missing.stderr


async def test_replaying_one_consumers_events_reaches_every_consumer_once_and_a_second_replay_is_harmless(
    platform: Platform,
) -> None:
    async with pipeline(platform.database_url, platform.nats_url) as p:
        (bad,) = await p.write(1)
        p.poison_ids.add(bad)
        p.start((await p.relay()).run)
        p.start((await p.consumer(name="matching")).run)
        p.start((await p.consumer(name="feedback")).run)
        parked = await wait_until_parked(p, 2)
        assert sorted(item.consumer for item in parked) == ["feedback", "matching"]

        p.poison_ids.clear()
        replayed = await mentorship(p, "deadletters", "replay", "--all", "--consumer", "feedback")
        assert replayed.exit_code == 0, replayed.output
        assert replayed.stdout.count("replayed ") == 1
        # The replay is published to the stream, so both consumers apply the event: once each.
        assert await p.wait_for_effects(2) == (2, 1)
        (left,) = parked_json(await mentorship(p, "deadletters", "list", "--json"))
        assert left["consumer"] == "matching"

        # Matching's own parked copy is now a duplicate for both consumers: their inboxes absorb it.
        again = await mentorship(p, "deadletters", "replay", "--all")
        assert again.exit_code == 0, again.output
        assert again.stdout.count("replayed ") == 1
        await wait_until_caught_up(p, "matching", "feedback")
        assert await p.effect_counts() == (2, 1)
        assert parked_json(await mentorship(p, "deadletters", "list", "--json")) == []

        nothing = await mentorship(p, "deadletters", "replay", "--all")
        assert nothing.exit_code == 0
        assert "no parked events" in nothing.stderr
