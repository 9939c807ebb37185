"""Creating and dropping databases on a PostgreSQL server, given an admin URL."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")
T = TypeVar("T")


def database_url(server_url: str, name: str) -> str:
    """`server_url` pointing at database `name` instead (query string and credentials kept)."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{_checked(name)}"))


def database_name(url: str) -> str:
    """The database a PostgreSQL URL points at."""
    return urlsplit(url).path.lstrip("/") or "postgres"


def asyncpg_url(url: str) -> str:
    """A SQLAlchemy-style URL (`postgresql+asyncpg://`) in the plain form asyncpg accepts."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}://{rest}"


async def create_database_async(admin_url: str, name: str) -> str:
    """Create database `name` unless it exists; return its URL."""
    connection = await asyncpg.connect(asyncpg_url(admin_url))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Created concurrently by someone else is just as good.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f'CREATE DATABASE "{_checked(name)}"')
    finally:
        await connection.close()
    return database_url(admin_url, name)


async def drop_database_async(admin_url: str, name: str) -> None:
    """Drop database `name` if it exists, disconnecting its sessions."""
    connection = await asyncpg.connect(asyncpg_url(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
    finally:
        await connection.close()


def create_database(admin_url: str, name: str) -> str:
    """Blocking `create_database_async`, callable with or without a running event loop."""
    return _blocking(create_database_async(admin_url, name))


def drop_database(admin_url: str, name: str) -> None:
    """Blocking `drop_database_async`, callable with or without a running event loop."""
    _blocking(drop_database_async(admin_url, name))


def _checked(name: str) -> str:
    # Identifiers cannot be bound as parameters, so only plain names are accepted.
    if not _NAME.match(name):
        raise ValueError(f"invalid database name {name!r}")
    return name


def _blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Inside a running loop (async tests, fixtures): asyncio.run is refused there, so use a fresh thread.
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(coroutine))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
