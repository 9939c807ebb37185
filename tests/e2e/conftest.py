"""The whole platform in one process: every API in-process, every worker on real NATS and
PostgreSQL, and a real local HTTP receiver that records the webhooks an integrator would get.

The APIs are driven through `mentorship.platform_client.PlatformClient`, the client the operator
CLI uses, so these tests also hold that client to the APIs' real shapes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from standardwebhooks.webhooks import Webhook

from mentorship.platform_client import PlatformClient
from mentorship.services import names, spec
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.webhooks.conftest import FAST_WORKER, LOCAL_RECEIVER
from tests.webhooks.receiver import Receiver, Route

T = TypeVar("T")

# Settings of the in-process APIs and workers beyond the test defaults: webhooks may deliver to the
# loopback receiver and retries run in milliseconds; matching starts accepted matches promptly.
API_SETTINGS: dict[str, dict[str, Any]] = {"webhooks": LOCAL_RECEIVER}
WORKER_SETTINGS: dict[str, dict[str, Any]] = {
    "webhooks": FAST_WORKER,
    "matching": {"lifecycle_poll_seconds": 0.5},
}


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, what: str = "") -> T:
    """The first result of `probe` that is neither None nor False, polled until `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        result = await probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {what or probe}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.3)


@dataclass(frozen=True)
class Delivered:
    """One webhook the receiver got, its signature verified."""

    type: str
    subject: str | None
    data: dict[str, Any]
    headers: dict[str, str]


class Inbox:
    """The integrator's side: one endpoint's requests; each one found is verified with standardwebhooks."""

    def __init__(self, route: Route, secret: str) -> None:
        self.route = route
        self.verifier = Webhook(secret)

    def find(self, event_type: str, where: Callable[[dict[str, Any]], bool]) -> Delivered | None:
        """The first request of `event_type` whose data satisfies `where`; its signature must verify."""
        for request in list(self.route.requests):
            event = json.loads(request.body)
            if event["type"] == event_type and where(event["data"]):
                assert self.verifier.verify(request.body, request.headers) == event
                return Delivered(event["type"], event.get("subject"), event["data"], request.headers)
        return None

    async def wait_for(
        self, event_type: str, where: Callable[[dict[str, Any]], bool] = lambda _data: True
    ) -> Delivered:
        """The first webhook of `event_type` (e.g. `matching.match.ended`) whose data satisfies `where`."""
        full = f"mentorship.{event_type}.v1"

        async def arrived() -> Delivered | None:
            return self.find(full, where)

        return await eventually(arrived, what=f"a signed {full} webhook")


@dataclass
class Stack:
    """The running platform, an organization of its own, and its integrator's webhook inbox."""

    client: PlatformClient
    inbox: Inbox


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


@pytest.fixture(scope="module")
async def stack(platform: Platform, receiver: Receiver) -> AsyncIterator[Stack]:
    """Every API and every worker of the platform, and a webhook endpoint subscribed to everything."""
    async with AsyncExitStack() as exits:
        clients = {
            name: await exits.enter_async_context(
                service_client(name, platform, **API_SETTINGS.get(name, {}))
            )
            for name in names()
        }
        for name in names():
            await exits.enter_async_context(running_workers(platform, name, **WORKER_SETTINGS.get(name, {})))
        client = PlatformClient(clients, organization=new_org())
        await client.update_scheduling_policy(meeting_url_template="https://meet.example/{session_id}")
        route = receiver.route()
        endpoint = await client.create_endpoint(
            route.url,
            [f"mentorship.{service}.*" for service in spec("webhooks").sources()],
        )
        yield Stack(client=client, inbox=Inbox(route, endpoint["secret"]))
