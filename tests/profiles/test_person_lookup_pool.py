"""The GET person fast path's pool hands connections back without asyncpg's per-release reset
query (its reads leave no session state), yet never hands out one still inside a transaction."""

from __future__ import annotations

from profiles.person_lookup import PersonLookup
from tests.conftest import Platform


async def test_a_released_connection_comes_back_clean_without_a_reset_query(platform: Platform) -> None:
    lookup = await PersonLookup.open(platform.database_url, max_size=1)
    try:
        async with lookup.pool.acquire() as connection:
            backend = await connection.fetchval("SELECT pg_backend_pid()")
            # What a read cancelled halfway through a transaction would leave behind.
            await connection.execute("BEGIN")
            await connection.execute("SET LOCAL statement_timeout = 1234")
        async with lookup.pool.acquire() as connection:
            assert await connection.fetchval("SELECT pg_backend_pid()") == backend, "the same connection"
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SHOW statement_timeout") != "1234ms"
            # No RESET ALL ran: a session setting made outside a transaction is still there (the
            # lookup never makes one; this shows the release did not pay for clearing it).
            await connection.execute("SET application_name = 'kept'")
        async with lookup.pool.acquire() as connection:
            assert await connection.fetchval("SHOW application_name") == "kept"
    finally:
        await lookup.close()
