"""Fixtures of the webhooks tests: the API in-process, a local receiver, and publishing events.

The receiver listens on 127.0.0.1 over plain HTTP, so the service under test runs with the
operator settings that allow it (`allow_http`, `destination_allowlist`); everything else about
destinations is as in production. Retries run on the published schedule scaled down to
milliseconds (`retry_scale`). Every test works in an organization of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import nats
import pytest
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, own_namespace, service_client
from tests.toolkit import eventually, settled
from tests.webhooks.events import envelope, publish
from tests.webhooks.receiver import Receiver
from webhooks.handlers import SOURCES


@pytest.fixture(scope="session")
async def platform(platform: Platform) -> AsyncIterator[Platform]:
    """The run's platform with an event namespace of this package's own (`own_namespace`): the
    worker reads every publisher's stream from its start, and in the shared namespace it would
    first work through every event the other packages published."""
    async with own_namespace(platform, "w") as own:
        yield own


# What lets the service deliver to the local receiver.
LOCAL_RECEIVER: dict[str, Any] = {"allow_http": True, "destination_allowlist": ["127.0.0.1/32"]}
# Worker settings of the delivery tests: the whole retry schedule (~2.7 days) takes ~2.4 s.
FAST_WORKER: dict[str, Any] = {
    **LOCAL_RECEIVER,
    "retry_scale": 1e-5,
    "dispatch_poll_seconds": 0.2,
    "connect_timeout_seconds": 1.0,
    "request_timeout_seconds": 1.0,
}


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


@pytest.fixture(scope="session")
async def webhooks_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The webhooks API in-process, allowed to register the local receiver."""
    async with service_client("webhooks", platform, **LOCAL_RECEIVER) as client:
        yield client


@pytest.fixture(scope="session")
async def js(platform: Platform) -> AsyncIterator[JetStreamContext]:
    """JetStream of this run, with the stream of every service the worker consumes (as their
    workers create them)."""
    connection = await nats.connect(platform.nats_url)
    stream = connection.jetstream()
    for service in SOURCES:
        await ensure_service_stream(stream, namespace=platform.namespace, service=service)
    yield stream
    await connection.close()


Publish = Callable[..., Awaitable[CloudEvent]]


@pytest.fixture
def publish_event(js: JetStreamContext, platform: Platform) -> Publish:
    """`await publish_event(event, org)` -> the CloudEvent published, as its service would."""

    async def send(event: Event, organization: str, **options: Any) -> CloudEvent:
        return await publish(js, platform.namespace, envelope(event, organization, **options))

    return send


def admin(auth: AuthHeaders, organization: str) -> dict[str, str]:
    return auth(organization, str(uuid.uuid4()), "admin")


async def create_endpoint(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, event_types: list[str], **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/endpoints", json={"url": url, "event_types": event_types, **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def nothing_more_to_deliver(platform: Platform, organization: str) -> None:
    """Wait until nothing more will be sent for `organization`: the worker's consumers have taken
    every event published so far (and the events their handling published), and none of the
    organization's deliveries is still pending. Then what a receiver got is all it will get."""
    await settled(
        nats_url=platform.nats_url,
        namespace=platform.namespace,
        # The worker's consumers: one per registered publisher (`handlers.SOURCES`), not one per
        # contract module (a publisher not registered yet has no stream and no consumer).
        consumers=[("webhooks", service) for service in SOURCES],
        database_url=platform.database_url,
        outboxes=["webhooks"],
    )
    engine = create_async_engine(platform.database_url)
    try:

        async def none_pending() -> bool:
            async with engine.connect() as connection:
                pending = await connection.scalar(
                    text(
                        "SELECT count(*) FROM webhooks.deliveries "
                        "WHERE organization = :org AND status = 'pending'"
                    ),
                    {"org": organization},
                )
            return pending == 0

        await eventually(none_pending, what=f"no pending deliveries of {organization}")
    finally:
        await engine.dispose()
