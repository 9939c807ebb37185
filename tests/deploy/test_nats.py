"""The NATS JetStream cluster of deploy/nats: its configuration, and the streams and consumers as code.

The definitions (deploy/nats/streams/*.json, deploy/nats/consumers/<stream>/<consumer>.json, in the
JetStream API's format that `nats stream add --config` and `nats consumer add --config` take) must be
what the workers provision. That is proven on a real 3-node cluster started from the configuration:
the definitions are applied as an operator would, every service's worker runs against the cluster,
and afterwards the cluster holds exactly the definitions, each stream on all three nodes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS

import shared.contracts  # noqa: F401  (registers every event type in CATALOG)
from mentorship.embedded import nats_server_binary
from shared.events import CATALOG, service_subjects, stream_name
from shared.streams import DUPLICATE_WINDOW_SECONDS, STREAM_MAX_AGE_SECONDS, deadletter_stream
from tests.conftest import Platform, running_workers
from tests.deploy.manifests import (
    CONSUMERS,
    NAMESPACE,
    NATS_CLUSTER_CONF,
    PLATFORM_SERVICES,
    STREAMS,
    registered,
)
from tests.deploy.nats_cluster import nats_cluster, route_hosts, wait_for_jetstream

NANOSECONDS = 1_000_000_000


def stream_definitions() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(STREAMS.glob("*.json"))}


def consumer_definitions() -> dict[tuple[str, str], dict[str, Any]]:
    """(stream, durable name) -> definition."""
    paths = sorted(CONSUMERS.glob("*/*.json"))
    return {(path.parent.name, path.stem): json.loads(path.read_text()) for path in paths}


def publishing_services() -> set[str]:
    published = [model for model in CATALOG.values() if model.__module__.startswith("shared.contracts.")]
    return {model.event_type.service for model in published}


def test_cluster_configuration_is_valid_for_nats_server() -> None:
    result = subprocess.run(
        [str(nats_server_binary()), "--config", str(NATS_CLUSTER_CONF), "-t"],
        env={**os.environ, "SERVER_NAME": "nats-0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(route_hosts(NATS_CLUSTER_CONF.read_text())) == 3


def test_one_stream_per_publishing_service_and_the_dead_letters_each_with_three_replicas() -> None:
    definitions = stream_definitions()
    expected = {stream_name(NAMESPACE, service) for service in publishing_services()}
    assert set(definitions) == expected | {deadletter_stream(NAMESPACE)}
    for service in publishing_services():
        definition = definitions[stream_name(NAMESPACE, service)]
        assert definition["name"] == stream_name(NAMESPACE, service)
        assert definition["subjects"] == [service_subjects(NAMESPACE, service)]
        assert definition["duplicate_window"] == DUPLICATE_WINDOW_SECONDS * NANOSECONDS
        assert definition["max_age"] == STREAM_MAX_AGE_SECONDS * NANOSECONDS
        assert definition["storage"] == "file"
    assert all(definition["num_replicas"] == 3 for definition in definitions.values())


def test_every_consumer_definition_reads_its_stream_as_a_platform_service() -> None:
    streams = stream_definitions()
    for (stream, durable), definition in consumer_definitions().items():
        assert durable in PLATFORM_SERVICES, durable
        assert definition["durable_name"] == durable
        assert definition["filter_subject"] in streams[stream]["subjects"]
        assert definition["ack_policy"] == "explicit"


async def raw_config(connection: NATS, subject: str) -> dict[str, Any]:
    """A stream's or consumer's configuration as the JetStream API reports it (the files' format)."""
    reply = json.loads((await connection.request(subject, b"", timeout=5)).data)
    assert "error" not in reply, reply
    config: dict[str, Any] = reply["config"]
    return config


async def consumers_on(connection: NATS, streams: list[str]) -> set[tuple[str, str]]:
    found = set()
    for stream in streams:
        answer = await connection.request(f"$JS.API.CONSUMER.NAMES.{stream}", b"{}", timeout=5)
        reply = json.loads(answer.data)
        found |= {(stream, name) for name in reply.get("consumers") or []}
    return found


async def eventually(check: Callable[[], Any], *, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.2)


async def test_workers_on_the_three_node_cluster_provision_exactly_the_definitions_on_every_node(
    platform: Platform, fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    services = list(registered())
    streams = stream_definitions()
    # Consumers of services not registered yet are defined, but no worker of theirs runs here.
    expected = {key for key in consumer_definitions() if key[1] in services}
    # A database of its own: the workers' relays must not publish the other tests' outbox rows here.
    database_url = fresh_database()
    with nats_cluster(NATS_CLUSTER_CONF, tmp_path) as nodes:
        await wait_for_jetstream(nodes[0].url)
        connection = await nats.connect(nodes[1].url)
        try:
            for name, definition in streams.items():  # as `nats stream add --config <file>` does
                body = json.dumps(definition).encode()
                answer = await connection.request(f"$JS.API.STREAM.CREATE.{name}", body, timeout=10)
                assert "error" not in json.loads(answer.data), answer.data

            cluster = Platform(
                admin_url=platform.admin_url,
                database_url=database_url,
                nats_url=nodes[0].url,
                namespace=NAMESPACE,
            )

            async def consumers_provisioned() -> bool:
                return await consumers_on(connection, list(streams)) >= expected

            async with running_workers(cluster, *services, stream_replicas=3):
                await eventually(consumers_provisioned)

            assert await consumers_on(connection, list(streams)) == expected
            for name, definition in streams.items():
                config = await raw_config(connection, f"$JS.API.STREAM.INFO.{name}")
                assert {key: config.get(key) for key in definition} == definition, name
                info = json.loads((await connection.request(f"$JS.API.STREAM.INFO.{name}", b"")).data)
                placed = [info["cluster"]["leader"], *(peer["name"] for peer in info["cluster"]["replicas"])]
                assert sorted(placed) == sorted(node.name for node in nodes), name
            for (stream, durable), definition in consumer_definitions().items():
                if (stream, durable) in expected:
                    config = await raw_config(connection, f"$JS.API.CONSUMER.INFO.{stream}.{durable}")
                    assert {key: config.get(key) for key in definition} == definition, (stream, durable)
        finally:
            await connection.close()


@pytest.mark.parametrize("service", PLATFORM_SERVICES)
def test_every_registered_service_consumes_only_streams_that_are_defined(service: str) -> None:
    consumed = {stream for stream, durable in consumer_definitions() if durable == service}
    assert consumed <= set(stream_definitions())
