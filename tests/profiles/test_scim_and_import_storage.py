"""The provisioning tables the migration builds are the ones the models describe; the API lists
the SCIM and import endpoints."""

from __future__ import annotations

from typing import Any

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from profiles.models import SCHEMA, Base, ImportJob, ScimIdentity

PROVISIONING_TABLES = {ImportJob.__tablename__, ScimIdentity.__tablename__}


def _table_of(difference: Any) -> str | None:
    while isinstance(difference, list):
        difference = difference[0]
    for item in difference[1:]:
        if isinstance(item, Table):
            return str(item.name)
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(item, str) and item in PROVISIONING_TABLES:
            return item
    return None


async def test_the_migration_builds_exactly_the_provisioning_tables_the_models_describe(
    database: AsyncEngine,
) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "schema" or name == SCHEMA,
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.connect() as connection:
        found = await connection.run_sync(differences)
    assert [difference for difference in found if _table_of(difference) in PROVISIONING_TABLES] == []


async def test_the_openapi_document_lists_the_scim_and_import_endpoints(
    profiles_client: httpx.AsyncClient,
) -> None:
    document = (await profiles_client.get("/openapi.json")).json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {
        ("POST", "/v1/imports/people"),
        ("GET", "/v1/imports/{import_id}"),
        ("GET", "/scim/v2/ServiceProviderConfig"),
        ("GET", "/scim/v2/Schemas"),
        ("GET", "/scim/v2/ResourceTypes"),
        ("GET", "/scim/v2/Users"),
        ("POST", "/scim/v2/Users"),
        ("POST", "/scim/v2/Users/.search"),
        ("GET", "/scim/v2/Users/{user_id}"),
        ("PUT", "/scim/v2/Users/{user_id}"),
        ("PATCH", "/scim/v2/Users/{user_id}"),
        ("DELETE", "/scim/v2/Users/{user_id}"),
    } <= operations
