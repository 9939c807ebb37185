"""Live streams over a real HTTP server: rows committed under a topic reach that topic's open
streams (and only them), nothing uncommitted does, and a reconnecting browser resumes after its
`Last-Event-ID` without losing or repeating a row."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import BigInteger, Column, Identity, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentorship.processes import free_port
from shared.db import create_engine, session_factory
from shared.listening import listen_dsn
from shared.live import LiveHub, LiveItem, last_event_id, live_response, signal
from tests.conftest import Platform


@dataclass
class Board:
    table: Table
    sessions: async_sessionmaker[AsyncSession]
    channel: str

    async def post(self, topic: str, body: str, *, commit: bool = True) -> None:
        async with self.sessions() as session:
            await session.execute(self.table.insert().values(topic=topic, body=body))
            await signal(session, self.channel, topic)
            if commit:
                await session.commit()
            else:
                await session.rollback()

    async def after(self, topic: str, seq: int) -> Sequence[LiveItem]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(self.table)
                    .where(self.table.c.topic == topic, self.table.c.seq > seq)
                    .order_by(self.table.c.seq)
                )
            ).all()
        return [LiveItem(seq=row.seq, event="posted", data={"body": row.body}) for row in rows]


@pytest.fixture
async def board(platform: Platform) -> AsyncIterator[Board]:
    schema = f"live_{uuid.uuid4().hex[:10]}"
    table = Table(
        "posts",
        MetaData(schema=schema),
        Column("seq", BigInteger, Identity(), primary_key=True),
        Column("topic", String(50), nullable=False),
        Column("body", String(200), nullable=False),
    )
    engine = create_engine(platform.database_url, pool_size=4)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(table.metadata.create_all)
    try:
        yield Board(table=table, sessions=session_factory(engine), channel=f"{schema}_live")
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@contextlib.asynccontextmanager
async def serving(board: Board, platform: Platform) -> AsyncIterator[tuple[str, LiveHub]]:
    hub = LiveHub(dsn=listen_dsn(platform.database_url), channel=board.channel)
    app = FastAPI()

    @app.get("/streams/{topic}")
    async def stream(topic: str, request: Request) -> object:
        async def fetch(seq: int) -> Sequence[LiveItem]:
            return await board.after(topic, seq)

        return live_response(hub, topic=topic, after=last_event_id(request), fetch=fetch, request=request)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    await hub.start()
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", hub
    finally:
        server.should_exit = True
        await task
        await hub.close()


async def read_events(response: httpx.Response, count: int) -> list[tuple[str, str]]:
    """(id, data) of the next `count` events of an open stream."""
    events: list[tuple[str, str]] = []
    event_id, data = "", ""
    async with asyncio.timeout(10):
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                events.append((event_id, data))
                event_id, data = "", ""
                if len(events) == count:
                    return events
    return events


async def test_a_committed_row_reaches_the_open_streams_of_its_topic_only(
    board: Board, platform: Platform
) -> None:
    async with (
        serving(board, platform) as (url, hub),
        httpx.AsyncClient(timeout=10) as client,
        client.stream("GET", f"{url}/streams/match-1") as mine,
    ):
        while hub.streams < 1:
            await asyncio.sleep(0.02)
        await board.post("match-2", "for someone else")
        await board.post("match-1", "never committed", commit=False)
        await board.post("match-1", "hello")
        ((_, data),) = await read_events(mine, 1)
        assert data == '{"body":"hello"}'


async def test_a_reconnecting_stream_resumes_after_its_last_event_id(
    board: Board, platform: Platform
) -> None:
    for body in ("one", "two", "three"):
        await board.post("match-9", body)
    async with serving(board, platform) as (url, _hub), httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", f"{url}/streams/match-9") as first:
            events = await read_events(first, 3)
        assert [data for _, data in events] == ['{"body":"one"}', '{"body":"two"}', '{"body":"three"}']
        second_id = events[1][0]
        await board.post("match-9", "four")
        headers = {"Last-Event-ID": second_id}
        async with client.stream("GET", f"{url}/streams/match-9", headers=headers) as resumed:
            again = await read_events(resumed, 2)
        assert [data for _, data in again] == ['{"body":"three"}', '{"body":"four"}']
