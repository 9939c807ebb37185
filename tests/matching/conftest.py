"""Fixtures of the matching tests: the API in-process, the read model, tokens per role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine, session_factory
from tests.conftest import Platform, service_client
from tests.matching.factories import ReadModel


@pytest.fixture(scope="session")
async def matching_engine(platform: Platform) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(platform.database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def read_model(matching_engine: AsyncEngine) -> ReadModel:
    return ReadModel(session_factory(matching_engine))


@pytest.fixture(scope="session")
async def matching_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The matching API in-process, against this run's servers."""
    async with service_client("matching", platform, database_pool_size=30) as client:
        yield client
