"""Looking up one person by id, the API's hottest read: one indexed statement, nothing parsed twice.

It runs on a small asyncpg pool of its own (no ORM or SQLAlchemy pool layer per request) with a
prepared statement, and passes the JSONB columns through as pre-serialized JSON (orjson
fragments) rather than parsing them only to serialize them again. The statements are compiled
once from the same SQLAlchemy expressions as every other read (`queries.shares_a_program`), so
the visibility rule is written in one place. Every other read uses the shared `Reader`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI
from sqlalchemy import ColumnElement, String, Uuid, bindparam, false, select
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from profiles import access
from profiles.access import Visibility
from profiles.config import ProfilesSettings
from profiles.documents import PERSON_FIELDS, Document
from profiles.queries import PEOPLE, shares_a_program
from profiles.schemas import PERSON_DOCUMENT_FIELDS
from shared.auth import Principal
from shared.errors import Problem
from shared.runtime import Runtime

# A pooled connection that died with the server (restart, failover) fails on first use.
_CONNECTION_LOST = (asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


@dataclass(frozen=True)
class _Statement:
    """A SQLAlchemy query compiled for asyncpg: its SQL, and its arguments in order."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    @classmethod
    def of(cls, query: Any) -> _Statement:
        compiled = query.compile(
            dialect=asyncpg_dialect.dialect(), compile_kwargs={"render_postcompile": True}
        )
        return cls(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))

    def arguments(self, **values: Any) -> list[Any]:
        return [values[name] if name in values else self.constants[name] for name in self.names]


def _argument(name: str, type_: Any) -> Any:
    return bindparam(name, None, type_=type_, required=False)


_PERSON_ID = _argument("person_id", Uuid())
_ORGANIZATION = _argument("organization", String())
_CALLER_ID = _argument("caller_id", Uuid())


def _person_query(shares_program: ColumnElement[bool]) -> _Statement:
    columns = [PEOPLE.c[name] for name in PERSON_FIELDS]
    query = select(*columns, shares_program.label("shares_program")).where(
        PEOPLE.c.id == _PERSON_ID, PEOPLE.c.organization == _ORGANIZATION
    )
    return _Statement.of(query)


BY_ID = _person_query(false())
# Fellow program members see each other: whether the caller shares a program with the person.
BY_ID_FOR_MEMBER = _person_query(shares_a_program(_ORGANIZATION, _CALLER_ID, PEOPLE.c.id))


def _document(row: asyncpg.Record) -> Document:
    return {
        name: orjson.Fragment(row[name]) if name in PERSON_DOCUMENT_FIELDS else row[name]
        for name in PERSON_FIELDS
    }


async def _leave_as_is(connection: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: nothing but ending a transaction a
    cancelled read may have left. The lookup only runs its prepared SELECTs, outside transactions,
    so there is no session state (SET, LISTEN, advisory locks, cursors) for asyncpg's default reset
    to clear, and that reset is a round trip to PostgreSQL on every release: one more per GET."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class PersonLookup:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, database_url: str, *, max_size: int) -> PersonLookup:
        """A pool that connects lazily (the API may start before the database is reachable)."""
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        pool = await asyncpg.create_pool(
            dsn,
            min_size=0,
            max_size=max_size,
            server_settings={"application_name": "mentorship-profiles-reads"},
            reset=_leave_as_is,
        )
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    async def find(self, *, caller: Principal, person_id: uuid.UUID) -> tuple[Document, Visibility] | None:
        """The person and how much of them the caller may see; None when the caller may not know them."""
        caller_id = caller.person_id
        organization = caller.organization
        if access.manages_people(caller) or caller_id == person_id:
            row = await self._fetch(BY_ID, person_id=person_id, organization=organization)
        elif caller_id is not None:
            row = await self._fetch(
                BY_ID_FOR_MEMBER, person_id=person_id, organization=organization, caller_id=caller_id
            )
        else:
            return None
        if row is None:
            return None
        visibility = access.person_visibility(
            caller, person_id=person_id, active=row["active"], shares_program=row["shares_program"]
        )
        return None if visibility is None else (_document(row), visibility)

    async def _fetch(self, statement: _Statement, **values: Any) -> asyncpg.Record | None:
        arguments = statement.arguments(**values)
        for attempt in (1, 2):
            try:
                async with self.pool.acquire() as connection:
                    return await connection.fetchrow(statement.sql, *arguments)
            except _CONNECTION_LOST as exc:
                if attempt == 2:
                    raise Problem(503, "the database is not reachable", slug="unavailable") from exc
        return None


async def open_person_lookup(app: FastAPI, runtime: Runtime) -> None:
    """Startup: the lookup's pool, as large as the service's database pool."""
    settings: ProfilesSettings = app.state.settings
    app.state.person_lookup = await PersonLookup.open(
        settings.database_url, max_size=settings.database_pool_size
    )


async def close_person_lookup(app: FastAPI, runtime: Runtime) -> None:
    lookup: PersonLookup = app.state.person_lookup
    await lookup.close()
