"""The privacy service with the profiles service it learns people from: every API in-process, the
profiles and privacy workers on real NATS and PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mentorship.platform_client import ApiError, Document, PlatformClient
from mentorship.services import names
from tests.conftest import Platform, new_org, running_workers, service_client
from tests.e2e.conftest import eventually

# Timers in fractions of a second: the audit log is shipped, and unanswered requests asked again,
# almost at once.
FAST: dict[str, Any] = {
    "audit_ship_seconds": 0.2,
    "housekeeping_seconds": 0.3,
    "job_poll_seconds": 0.3,
    "relay_poll_seconds": 0.1,
    "retry_after_seconds": 0.5,
    "retry_max_seconds": 2.0,
}


@dataclass
class World:
    platform: Platform
    clients: dict[str, httpx.AsyncClient]

    def organization(self) -> PlatformClient:
        """A fresh organization, acted on as its admin."""
        return PlatformClient(self.clients, organization=new_org())


@pytest.fixture(scope="module")
async def world(platform: Platform) -> AsyncIterator[World]:
    async with AsyncExitStack() as exits:
        clients = {name: await exits.enter_async_context(service_client(name, platform)) for name in names()}
        await exits.enter_async_context(running_workers(platform, "profiles", "privacy", **FAST))
        yield World(platform, clients)


def person_body(name: str = "Ada Lovelace") -> dict[str, Any]:
    return {
        "email": f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.com",
        "name": name,
        "time_zone": "Europe/London",
        "languages": ["en"],
    }


async def known_person(client: PlatformClient, name: str = "Ada Lovelace") -> Document:
    """A person the privacy service has heard of (from profiles' events)."""
    person = await client.create_person(person_body(name))

    async def heard_of() -> bool:
        try:  # an active person cannot be erased: 409 once privacy knows them, 404 before
            await client.request_erasure(str(person["id"]))
        except ApiError as error:
            return error.status_code == 409
        raise AssertionError("an active person's erasure was accepted")

    await eventually(heard_of, what="privacy knows the person")
    return person


async def until_accepted(ask: Any, what: str) -> Document:
    """`ask()` repeated while the privacy service has not heard yet that the person left (409)."""

    async def accepted() -> Document | None:
        try:
            return dict(await ask())
        except ApiError as error:
            if error.status_code != 409:
                raise
            return None

    return await eventually(accepted, what=what)
