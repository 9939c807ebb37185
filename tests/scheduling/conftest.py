"""Fixtures of the scheduling tests: its API in-process, and a session factory on this run's database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, session_factory
from tests.conftest import Platform, service_client


@pytest.fixture(scope="session")
async def scheduling_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The scheduling API in-process, against this run's servers."""
    async with service_client("scheduling", platform, database_pool_size=20) as client:
        yield client


@pytest.fixture(scope="session")
async def scheduling_db(platform: Platform) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on this run's database, for putting events through handlers and checking rows."""
    engine = create_engine(platform.database_url, pool_size=5)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
