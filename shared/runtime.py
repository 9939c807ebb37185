"""The connections a service process holds: database engine and sessions, NATS and JetStream."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.config import ServiceSettings
from shared.db import create_engine, session_factory
from shared.logging import get_logger
from shared.streams import connect

_log = get_logger("shared.runtime")


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Sessions on autocommit, for reads: no BEGIN/ROLLBACK round trips around their statements.
    read_sessions: async_sessionmaker[AsyncSession]
    nats: NATS | None = None
    _connector: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def create(cls, settings: ServiceSettings) -> Runtime:
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            read_sessions=session_factory(engine.execution_options(isolation_level="AUTOCOMMIT")),
        )

    @property
    def js(self) -> JetStreamContext:
        if self.nats is None:
            raise RuntimeError("NATS is not connected")
        return self.nats.jetstream()

    async def connect_nats(self, *, wait: bool) -> None:
        """Connect to NATS; with `wait=False` keep trying in the background (the API can start first)."""

        async def keep_trying() -> None:
            delay = 0.2
            while self.nats is None:
                try:
                    self.nats = await connect(self.settings.nats_url, name=self.settings.service_name)
                except Exception as exc:
                    _log.warning("NATS not reachable yet", error=repr(exc), retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)

        if wait:
            await keep_trying()
        else:
            self._connector = asyncio.create_task(keep_trying())

    async def database_ready(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def nats_ready(self) -> bool:
        return self.nats is not None and self.nats.is_connected

    async def close(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
        if self.nats is not None:
            with contextlib.suppress(Exception):
                await self.nats.drain()
        await self.engine.dispose()
