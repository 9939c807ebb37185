"""What the logs say: failed writes by class, SQLSTATE and constraint, never with the values
written; a NATS outage once, and its end once, not once per reconnect attempt."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from nats.aio.client import Client as NATS
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mentorship.embedded import EmbeddedNats
from shared import streams
from shared.db import create_engine
from shared.logging import describe_error
from tests.conftest import Platform
from tests.toolkit import eventually


async def test_a_refused_write_is_described_without_the_values_it_carried(platform: Platform) -> None:
    schema = f"lp_{uuid.uuid4().hex[:10]}"
    secret_email = f"ada.{uuid.uuid4().hex[:8]}@example.org"
    engine = create_engine(platform.database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            await connection.execute(
                text(f'CREATE TABLE "{schema}".people (email text CONSTRAINT uq_people_email UNIQUE)')
            )
        insert = text(f'INSERT INTO "{schema}".people (email) VALUES (:email)')
        async with engine.begin() as connection:
            await connection.execute(insert, {"email": secret_email})
        with pytest.raises(IntegrityError) as refused:
            async with engine.begin() as connection:
                await connection.execute(insert, {"email": secret_email})
        described = describe_error(refused.value)
        assert secret_email not in described
        assert "sqlstate=23505" in described and "constraint=uq_people_email" in described
        # The statement's parameters never reach the error's text (PostgreSQL's DETAIL may quote the
        # value, which is why logs use describe_error and not the message).
        assert "parameters hidden" in str(refused.value)
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()


class _Said:
    """Stands in for the module's logger (structlog caches its loggers on first use, so capturing
    its configured output depends on which test ran first): records what would have been logged."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, object]]] = []

    def __getattr__(self, level: str) -> Callable[..., None]:
        return lambda event, **fields: self.lines.append((level, event, fields))


async def test_a_nats_outage_is_logged_once_and_its_end_once(
    own_nats: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = _Said()
    monkeypatch.setattr(streams, "_log", said)
    connection = await streams.connect(own_nats.url, name="outage-test")
    try:
        own_nats.stop()
        await asyncio.sleep(3.0)  # six reconnect attempts at half a second each
        own_nats.start()
        await eventually(lambda: _connected(connection), timeout=15, what="reconnected")
    finally:
        await connection.close()
    events = [(level, event) for level, event, fields in said.lines if fields.get("client") == "outage-test"]
    assert events == [("warning", "NATS connection lost; reconnecting"), ("info", "NATS connection restored")]


async def _connected(connection: NATS) -> bool:
    return bool(connection.is_connected)
