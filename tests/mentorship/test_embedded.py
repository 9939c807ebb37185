"""The embedded servers are real: SQL over TCP, JetStream that survives restarts, nothing left running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import pytest

from mentorship.databases import create_database, database_url, drop_database
from mentorship.embedded import EmbeddedNats, EmbeddedPostgres, EmbeddedServerError
from mentorship.processes import pid_alive, port_accepts


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), durable=False) as server:
        yield server


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    with EmbeddedNats(tmp_path / "nats") as server:
        yield server


async def test_postgres_answers_sql_over_tcp_with_room_for_many_connections(
    postgres: EmbeddedPostgres,
) -> None:
    assert postgres.url.startswith("postgresql://postgres@127.0.0.1:")
    connection = await asyncpg.connect(postgres.url)
    try:
        assert await connection.fetchval("SELECT 1") == 1
        assert int(await connection.fetchval("SHOW max_connections")) >= 300
    finally:
        await connection.close()


async def test_database_is_created_once_and_dropped(postgres: EmbeddedPostgres) -> None:
    url = create_database(postgres.url, "scratch")
    assert url == database_url(postgres.url, "scratch")
    assert create_database(postgres.url, "scratch") == url
    connection = await asyncpg.connect(url)
    assert await connection.fetchval("SELECT current_database()") == "scratch"
    await connection.close()

    drop_database(postgres.url, "scratch")

    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(url)


async def test_postgres_stop_leaves_no_process_and_restart_keeps_data(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "postgres", durable=False)
    url = server.start()
    try:
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')")
        await connection.close()
        pid = server.pid
        assert pid is not None

        server.stop()

        assert not pid_alive(pid)
        assert not server.running
        assert server.start() == url
        connection = await asyncpg.connect(url)
        assert await connection.fetchval("SELECT value FROM kept") == "still here"
        await connection.close()
    finally:
        server.stop()


def test_postgres_in_use_is_not_taken_over_by_a_second_starter(postgres: EmbeddedPostgres) -> None:
    with pytest.raises(EmbeddedServerError, match="already runs"):
        EmbeddedPostgres(postgres.data_dir).start()
    assert postgres.running


async def test_nats_serves_jetstream(nats_server: EmbeddedNats) -> None:
    client = await nats.connect(nats_server.url)
    try:
        info = await client.jetstream().account_info()
        assert info.streams == 0
    finally:
        await client.close()


async def _publish(url: str, payload: bytes) -> None:
    client = await nats.connect(url)
    try:
        stream = client.jetstream()
        await stream.add_stream(name="KEPT", subjects=["kept.>"])
        await stream.publish("kept.event", payload)
    finally:
        await client.close()


async def _first_message(url: str) -> bytes:
    client = await nats.connect(url)
    try:
        message = await client.jetstream().get_msg("KEPT", 1)
        assert message.data is not None
        return message.data
    finally:
        await client.close()


async def test_nats_restarts_on_same_port_with_stored_messages(nats_server: EmbeddedNats) -> None:
    url = nats_server.url
    await _publish(url, b"before stop")
    pid = nats_server.pid
    assert pid is not None

    nats_server.stop()

    assert not pid_alive(pid)
    assert nats_server.port is not None
    assert not port_accepts("127.0.0.1", nats_server.port)
    assert nats_server.start() == url
    assert await _first_message(url) == b"before stop"


async def test_nats_killed_like_a_crash_recovers_acknowledged_messages(nats_server: EmbeddedNats) -> None:
    await _publish(nats_server.url, b"before crash")
    pid = nats_server.pid
    assert pid is not None

    nats_server.kill()

    assert not pid_alive(pid)
    nats_server.start()
    assert await _first_message(nats_server.url) == b"before crash"


def test_leaving_the_context_stops_both_servers(tmp_path: Path) -> None:
    with EmbeddedNats(tmp_path / "nats") as nats_server, EmbeddedPostgres(tmp_path / "pg") as postgres:
        pids = [nats_server.pid, postgres.pid]
    assert all(pid is not None and not pid_alive(pid) for pid in pids)
