"""Fixtures of the webhooks tests: the API in-process, a local receiver, and publishing events.

The receiver listens on 127.0.0.1 over plain HTTP, so the service under test runs with the
operator settings that allow it (`allow_http`, `destination_allowlist`); everything else about
destinations is as in production. Retries run on the published schedule scaled down to
milliseconds (`retry_scale`). Every test works in an organization of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import nats
import pytest
from nats.js import JetStreamContext

from shared.events import CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, service_client
from tests.webhooks.events import envelope, publish
from tests.webhooks.receiver import Receiver
from webhooks.catalog import publishing_services

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
    """JetStream of this run, with every publishing service's stream (as their workers create them)."""
    connection = await nats.connect(platform.nats_url)
    stream = connection.jetstream()
    for service in publishing_services():
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


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0) -> Any:
    """The first truthy result of `check`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: last result {result!r}")
        await asyncio.sleep(0.05)
