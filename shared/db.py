"""Async SQLAlchemy engine and sessions, one per service, each in its own PostgreSQL schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.audit import AuditedSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """Metadata for one service: its own schema and the project's constraint naming convention."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: type[StrEnum]) -> str:
    """The SQL of a CHECK constraint holding `column` to the values of an enum (`status IN (...)`)."""
    return f"{column} IN ({', '.join(repr(value.value) for value in values)})"


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Engine with a bounded pool.

    No `pool_pre_ping`: it costs a round trip on every checkout. After a database restart the
    first statement on a dead connection fails, SQLAlchemy recognises the disconnect and
    invalidates the whole pool, so one request fails rather than every request paying.
    """
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # Errors and logs never carry the statement's values: they may be emails, names, free text.
        hide_parameters=True,
        connect_args={"server_settings": {"application_name": "mentorship"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # AuditedSession tells the audit triggers who acts before the first write to an audited table.
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, sync_session_class=AuditedSession
    )


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on any error."""
    async with sessions() as session, session.begin():
        yield session
