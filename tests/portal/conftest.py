"""The portal in front of the real owning services: every API in-process, the workers that carry
events between them on real NATS and PostgreSQL, and the portal reaching the APIs in-process too."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mentorship.platform_client import PlatformClient
from mentorship.services import names
from portal.config import PortalSettings
from portal.main import create_app
from portal.queries import SERVICES
from portal.upstreams import Upstreams
from tests.conftest import Platform, new_org, running_workers, service_settings

# Services whose events the home view's parts need: people reach matching and scheduling, matches reach
# scheduling and feedback, sessions reach feedback.
EVENT_FLOW = ("profiles", "matching", "scheduling", "feedback")


@dataclass
class Home:
    """The owning services (as an admin's PlatformClient of a fresh organization) and the portal."""

    client: PlatformClient
    apps: dict[str, FastAPI]
    platform: Platform

    @asynccontextmanager
    async def portal(self, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        """The portal API, reaching the owning services in-process (those given `service_urls` aside)."""
        settings = service_settings("portal", self.platform, **overrides)
        assert isinstance(settings, PortalSettings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            deployed = settings.service_urls or {name: "" for name in self.apps}
            transports = {
                name: httpx.ASGITransport(app=service_app)
                for name, service_app in self.apps.items()
                if name in deployed and not deployed[name]
            }
            urls = {name: url or f"http://{name}" for name, url in deployed.items()}
            await app.state.upstreams.close()
            app.state.upstreams = Upstreams(
                settings.model_copy(update={"service_urls": urls}),
                SERVICES,
                transports=transports,
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
                yield client

    def headers(self, person_id: str, *roles: str) -> dict[str, str]:
        return self.client.authorization(PlatformClient.person(person_id, roles[0]) if roles else None)


@pytest.fixture(scope="module")
async def home(platform: Platform) -> AsyncIterator[Home]:
    async with AsyncExitStack() as exits:
        apps: dict[str, FastAPI] = {}
        clients: dict[str, httpx.AsyncClient] = {}
        for name in names():
            app = importlib.import_module(f"{name}.main").create_app(service_settings(name, platform))
            await exits.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
            clients[name] = await exits.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            )
        for name in EVENT_FLOW:
            await exits.enter_async_context(running_workers(platform, name))
        client = PlatformClient(clients, organization=new_org())
        await client.update_scheduling_policy(meeting_url_template="https://meet.example/{session_id}")
        yield Home(client=client, apps={n: a for n, a in apps.items() if n != "portal"}, platform=platform)
