"""A service that is down during an erasure delays it, never skips it: the erasure stays pending,
naming the service, and is asked for again until the service, back, confirms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from mentorship.platform_client import Document, PlatformClient
from mentorship.services import names
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.e2e.conftest import eventually
from tests.privacy.conftest import FAST, known_person, until_accepted

DOWN = "portal"


@pytest.fixture(scope="module")
async def client(platform: Platform) -> AsyncIterator[PlatformClient]:
    async with AsyncExitStack() as exits:
        clients = {name: await exits.enter_async_context(service_client(name, platform)) for name in names()}
        for name in names():
            if name != DOWN:
                await exits.enter_async_context(running_workers(platform, name, **FAST))
        yield PlatformClient(clients, organization=new_org())


async def test_an_erasure_waits_for_a_service_that_is_down_and_completes_when_it_is_back(
    client: PlatformClient, platform: Platform
) -> None:
    ada = await known_person(client)
    await client.deactivate_person(str(ada["id"]))
    erasure = await until_accepted(
        lambda: client.request_erasure(str(ada["id"])), what="the erasure accepted"
    )

    async def only_down_missing() -> Document | None:
        current = await client.get_erasure(erasure["id"])
        return current if current["missing_services"] == [DOWN] else None

    pending = await eventually(only_down_missing, what=f"every confirmation but {DOWN}'s")
    # Several retry periods later it is still pending, asked for again, never completed without it.
    await asyncio.sleep(3)
    later = await client.get_erasure(erasure["id"])
    assert later["status"] == "pending" and later["missing_services"] == [DOWN]
    assert later["attempt"] > pending["attempt"] >= 1, "asked for again while a service is missing"
    listed = await client.document("privacy", "GET", "/v1/erasures", params={"status": "pending"})
    assert erasure["id"] in [item["id"] for item in listed["items"]]

    async with running_workers(platform, DOWN, **FAST):

        async def completed() -> Document | None:
            current = await client.get_erasure(erasure["id"])
            return current if current["status"] == "completed" else None

        done = await eventually(completed, timeout=40, what=f"{DOWN} confirmed")
    assert sorted(row["service"] for row in done["confirmed"]) == sorted(names())
    assert done["missing_services"] == []
    # Asking again answers the same, completed erasure.
    assert (await client.request_erasure(str(ada["id"])))["id"] == erasure["id"]
