"""Request dependencies of the profiles API, as `Annotated` aliases.

All are `async def`: FastAPI runs plain `def` dependencies in a thread pool, a hop per request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from profiles.person_lookup import PersonLookup
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.runtime import Runtime


async def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _reader(request: Request) -> AsyncIterator[AsyncConnection]:
    # Autocommit: a read is one statement, so no BEGIN/ROLLBACK round trips around it.
    engine: AsyncEngine = request.app.state.read_engine
    async with engine.connect() as connection:
        yield connection


async def _person_lookup(request: Request) -> PersonLookup:
    lookup: PersonLookup = request.app.state.person_lookup
    return lookup


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
Reader = Annotated[AsyncConnection, Depends(_reader)]
Lookup = Annotated[PersonLookup, Depends(_person_lookup)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
PeopleManager = Annotated[Principal, require_roles(Role.ADMIN, Role.INTEGRATION)]
