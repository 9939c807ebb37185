"""Looking up one person by id, the API's hottest read: one indexed statement, nothing parsed twice.

It runs on a small asyncpg pool of its own (no ORM layer and no pre-ping round trip per request)
with a prepared statement, and passes the JSONB columns through as pre-serialized JSON (orjson
fragments) rather than parsing them only to serialize them again. Every other read uses SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson

from profiles import access
from profiles.access import LIVE_ENROLLMENT, Visibility
from profiles.models import SCHEMA
from profiles.schemas import PERSON_DOCUMENT_FIELDS
from profiles.states import PERSON_FIELDS, Document
from shared.auth import Principal
from shared.errors import Problem

_COLUMNS = ", ".join(f"p.{name}" for name in PERSON_FIELDS)
_LIVE = ", ".join(f"'{status}'" for status in LIVE_ENROLLMENT)
# Whether the caller ($3) and the person hold live enrollments in one program.
_SHARES_PROGRAM = f"""
    EXISTS (
        SELECT 1 FROM "{SCHEMA}".enrollments mine
        JOIN "{SCHEMA}".enrollments theirs ON theirs.program_id = mine.program_id
        WHERE mine.organization = $2 AND mine.person_id = $3 AND mine.status IN ({_LIVE})
          AND theirs.person_id = p.id AND theirs.status IN ({_LIVE})
    )"""
_PERSON = f'FROM "{SCHEMA}".people p WHERE p.id = $1 AND p.organization = $2'
BY_ID = f"SELECT {_COLUMNS}, false AS shares_program {_PERSON}"
BY_ID_FOR_MEMBER = f"SELECT {_COLUMNS}, {_SHARES_PROGRAM} AS shares_program {_PERSON}"

# A pooled connection that died with the server (restart, failover) fails on first use.
_CONNECTION_LOST = (asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


def _document(row: asyncpg.Record) -> Document:
    return {
        name: orjson.Fragment(row[name]) if name in PERSON_DOCUMENT_FIELDS else row[name]
        for name in PERSON_FIELDS
    }


class PersonLookup:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, database_url: str, *, max_size: int) -> AsyncIterator[PersonLookup]:
        """A pool that connects lazily (the API may start before the database is reachable)."""
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        pool = await asyncpg.create_pool(
            dsn,
            min_size=0,
            max_size=max_size,
            server_settings={"application_name": "mentorship-profiles-reads"},
        )
        try:
            yield cls(pool)
        finally:
            await pool.close()

    async def find(self, *, caller: Principal, person_id: uuid.UUID) -> tuple[Document, Visibility] | None:
        """The person and how much of them the caller may see; None when the caller may not know them."""
        caller_id = access.person_id_of(caller)
        if access.manages_people(caller) or caller_id == person_id:
            row = await self._fetch(BY_ID, person_id, caller.organization)
        elif caller_id is not None:
            row = await self._fetch(BY_ID_FOR_MEMBER, person_id, caller.organization, caller_id)
        else:
            return None
        if row is None:
            return None
        visibility = access.person_visibility(
            caller, person_id=person_id, active=row["active"], shares_program=row["shares_program"]
        )
        return None if visibility is None else (_document(row), visibility)

    async def _fetch(self, statement: str, *args: Any) -> asyncpg.Record | None:
        for attempt in (1, 2):
            try:
                async with self.pool.acquire() as connection:
                    return await connection.fetchrow(statement, *args)
            except _CONNECTION_LOST as exc:
                if attempt == 2:
                    raise Problem(503, "the database is not reachable", slug="unavailable") from exc
        return None
