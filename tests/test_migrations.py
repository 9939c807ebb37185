"""Every registered service's migrations create exactly the tables its models describe: no filtered
differences, so a model change without its migration (or the reverse) fails here."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from mentorship.services import SERVICES
from shared.db import create_engine
from tests.conftest import Platform


@pytest.fixture(scope="module")
async def engine(platform: Platform) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(platform.database_url, pool_size=1)
    yield engine
    await engine.dispose()


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
async def test_migrations_create_exactly_what_the_models_describe(engine: AsyncEngine, service: str) -> None:
    metadata = importlib.import_module(f"{service}.models").Base.metadata

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _parent: kind != "schema" or name == service,
                # Alembic's own bookkeeping table is not a model.
                "include_object": lambda obj, name, kind, _reflected, _compare: not (
                    kind == "table" and name == "alembic_version"
                ),
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []
