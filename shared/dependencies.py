"""Request dependencies every API uses, as `Annotated` aliases: who calls, how to read, how to write.

A service's own `dependencies.py` re-exports these and adds its settings type and anything of its
own (`SettingsDep = Annotated[MySettings, Depends(app_settings)]`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared import responses
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.concurrency import IdempotencyKey, IdempotencyKeys, IfMatch
from shared.config import ServiceSettings
from shared.db import transaction
from shared.locks import retrying
from shared.pagination import Cursor, Limit
from shared.runtime import Runtime

T = TypeVar("T")


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


class IdempotentCreation:
    """A creating POST: the writer with the request's `Idempotency-Key` (documented on the route)."""

    def __init__(self, writer: RequestWriter, key: str | None) -> None:
        self.writer = writer
        self.key = key

    async def run(
        self,
        *,
        caller: Principal,
        create: Callable[[AsyncSession], Awaitable[responses.Created]],
        **options: Any,
    ) -> Response:
        """`RequestWriter.create_idempotently` under this request's key (options: seal, unseal,
        status_code, retry_deadlocks)."""
        return await self.writer.create_idempotently(caller=caller, key=self.key, create=create, **options)


def creation_over(
    writer: Callable[..., Awaitable[RequestWriter]],
) -> Callable[..., Awaitable[IdempotentCreation]]:
    """The `Creation` dependency over a service's writer dependency (profiles' refuses leavers)."""

    async def creation(
        request_writer: RequestWriter = Depends(writer), key: IdempotencyKey = None
    ) -> IdempotentCreation:
        return IdempotentCreation(request_writer, key)

    return creation


class ConditionalChange:
    """A change under `If-Match` (documented on the route): the use case runs in one transaction
    and gets the request's `If-Match` (412 when stale, 428 when the use case requires it)."""

    def __init__(self, writer: RequestWriter, if_match: str | None) -> None:
        self.writer = writer
        self.if_match = if_match

    async def run(self, use_case: Callable[..., Awaitable[T]], /, **arguments: Any) -> T:
        """`use_case(session, if_match=..., **arguments)` in one transaction; what it returns."""
        async with self.writer.transaction() as session:
            return await use_case(session, if_match=self.if_match, **arguments)


def change_over(
    writer: Callable[..., Awaitable[RequestWriter]],
) -> Callable[..., Awaitable[ConditionalChange]]:
    """The `Change` dependency over a service's writer dependency (profiles' refuses leavers)."""

    async def change(
        request_writer: RequestWriter = Depends(writer), if_match: IfMatch = None
    ) -> ConditionalChange:
        return ConditionalChange(request_writer, if_match)

    return change


class PageRequest:
    """Which page of a list a request asks for (`limit`, `cursor`: documented on the route)."""

    def __init__(self, limit: int, cursor: str | None) -> None:
        self.limit = limit
        self.cursor = cursor

    async def answer(
        self, query: Callable[..., Awaitable[tuple[list[Any], str | None]]], /, *args: Any, **kwargs: Any
    ) -> Response:
        """The page `query(*args, limit=..., cursor=..., **kwargs)` reads, as the response."""
        items, next_cursor = await query(*args, limit=self.limit, cursor=self.cursor, **kwargs)
        return responses.page_response(items, next_cursor)


async def _paging(limit: Limit = 50, cursor: Cursor = None) -> PageRequest:
    return PageRequest(limit, cursor)


RuntimeDep = Annotated[Runtime, Depends(app_runtime)]
Reader = Annotated[AsyncSession, Depends(_reader)]
Writer = Annotated[RequestWriter, Depends(_writer)]
Creation = Annotated[IdempotentCreation, Depends(creation_over(_writer))]
Change = Annotated[ConditionalChange, Depends(change_over(_writer))]
Paging = Annotated[PageRequest, Depends(_paging)]
Caller = CurrentPrincipal
Admin = Annotated[Principal, require_roles(Role.ADMIN)]

__all__ = [
    "Admin",
    "Caller",
    "Change",
    "ConditionalChange",
    "Creation",
    "IdempotentCreation",
    "PageRequest",
    "Paging",
    "Reader",
    "RequestWriter",
    "RuntimeDep",
    "Writer",
    "app_runtime",
    "app_settings",
    "change_over",
    "creation_over",
]
