"""The migration creates exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from matching.models import Base


async def test_models_match_the_migrated_schema(matching_engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _parent: kind != "schema" or name == "matching",
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async with matching_engine.connect() as connection:
        found = await connection.run_sync(differences)
    # Alembic's own version table, and the outbox id's unique constraint that shared names implicitly.
    meaningful = [
        item
        for item in found
        if not (item[0] == "remove_table" and item[1].name == "alembic_version")
        and not (item[0] in ("add_constraint", "remove_constraint") and item[1].table.name == "outbox")
    ]
    assert meaningful == []
