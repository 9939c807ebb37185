"""Fixtures of the workspace tests: the API in-process, and a session factory on this run's
database (for putting other services' events through the workspace's handlers and reading its
outbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from tests.conftest import AuthHeaders, Platform, service_client
from tests.workspace.world import World


@pytest.fixture(scope="package")
async def workspace_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The workspace API in-process (with its live hub), against this run's servers."""
    async with service_client("workspace", platform) as client:
        yield client


@pytest.fixture(scope="package")
async def workspace_db(platform: Platform) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(platform.database_url, pool_size=3)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def world(
    workspace_db: async_sessionmaker[AsyncSession], auth: AuthHeaders, workspace_client: httpx.AsyncClient
) -> World:
    return World(sessions=workspace_db, auth=auth, client=workspace_client)
