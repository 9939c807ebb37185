"""Request dependencies every API uses, as `Annotated` aliases: who calls, how to read, how to write.

A service's own `dependencies.py` re-exports these and adds its settings type and anything of its
own (`SettingsDep = Annotated[MySettings, Depends(app_settings)]`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared import responses
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.concurrency import IdempotencyKeys
from shared.config import ServiceSettings
from shared.db import transaction
from shared.locks import retrying
from shared.runtime import Runtime


async def app_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def app_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


async def _reader(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = request.app.state.runtime
    async with runtime.read_sessions() as session:
        yield session


class RequestWriter:
    """How a route changes state: one transaction per use case, and idempotent creation bound to
    the service's idempotency keys."""

    def __init__(self, request: Request, runtime: Runtime, idempotency: IdempotencyKeys | None) -> None:
        self.request = request
        self.runtime = runtime
        self.idempotency = idempotency

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back on any error."""
        return transaction(self.runtime.sessions)

    async def create_idempotently(
        self,
        *,
        caller: Principal,
        key: str | None,
        create: Callable[[AsyncSession], Awaitable[responses.Created]],
        seal: Callable[[Any], Any] = responses.json_ready,
        unseal: Callable[[Response], Response] | None = None,
        status_code: int = 201,
        retry_deadlocks: bool = False,
    ) -> Response:
        """`shared.responses.create_idempotently` in this service; `retry_deadlocks` runs the whole
        creation again when PostgreSQL aborted it as a deadlock victim."""
        if self.idempotency is None:
            raise RuntimeError("the app was created without its messaging tables (idempotency keys)")
        keys = self.idempotency

        async def attempt() -> Response:
            return await responses.create_idempotently(
                self.request,
                sessions=self.runtime.sessions,
                keys=keys,
                caller=caller,
                key=key,
                create=create,
                seal=seal,
                unseal=unseal,
                status_code=status_code,
            )

        return await (retrying(attempt) if retry_deadlocks else attempt())


async def _writer(request: Request) -> RequestWriter:
    return RequestWriter(request, request.app.state.runtime, getattr(request.app.state, "idempotency", None))


RuntimeDep = Annotated[Runtime, Depends(app_runtime)]
Reader = Annotated[AsyncSession, Depends(_reader)]
Writer = Annotated[RequestWriter, Depends(_writer)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]

__all__ = [
    "Admin",
    "Caller",
    "Reader",
    "RequestWriter",
    "RuntimeDep",
    "Writer",
    "app_runtime",
    "app_settings",
]
