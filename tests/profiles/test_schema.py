"""The database schema the migrations build is the one the models describe; the API is documented."""

from __future__ import annotations

from typing import Any

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from profiles.models import SCHEMA, Base

DOMAIN_TABLES = {"people", "custom_skills", "programs", "enrollments"}


def _table_of(difference: Any) -> str | None:
    while isinstance(difference, list):
        difference = difference[0]
    for item in difference[1:]:
        if isinstance(item, Table):
            return str(item.name)
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(item, str) and item in DOMAIN_TABLES:
            return item
    return None


async def test_the_migrations_build_exactly_the_tables_the_models_describe(database: AsyncEngine) -> None:
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
    domain = [difference for difference in found if _table_of(difference) in DOMAIN_TABLES]
    assert domain == []


async def test_the_openapi_document_lists_every_endpoint(profiles_client: httpx.AsyncClient) -> None:
    document = (await profiles_client.get("/openapi.json")).json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {
        ("POST", "/v1/people"),
        ("GET", "/v1/people"),
        ("GET", "/v1/people/{person_id}"),
        ("PATCH", "/v1/people/{person_id}"),
        ("POST", "/v1/people/{person_id}/deactivate"),
        ("POST", "/v1/people/{person_id}/reactivate"),
        ("GET", "/v1/me"),
        ("GET", "/v1/me/enrollments"),
        ("POST", "/v1/programs"),
        ("GET", "/v1/programs"),
        ("GET", "/v1/programs/{program_id}"),
        ("PATCH", "/v1/programs/{program_id}"),
        ("POST", "/v1/programs/{program_id}/enrollments"),
        ("GET", "/v1/programs/{program_id}/enrollments"),
        ("GET", "/v1/programs/{program_id}/enrollments/{enrollment_id}"),
        ("PATCH", "/v1/programs/{program_id}/enrollments/{enrollment_id}"),
        ("POST", "/v1/programs/{program_id}/enrollments/{enrollment_id}/withdraw"),
        ("GET", "/v1/skills"),
        ("POST", "/v1/skills"),
    } <= operations
    patch = document["paths"]["/v1/people/{person_id}"]["patch"]
    assert {parameter["name"] for parameter in patch["parameters"]} >= {"person_id", "If-Match"}
    create = document["paths"]["/v1/people"]["post"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in create["parameters"]}
