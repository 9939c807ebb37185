"""Alembic per service: each service keeps its own revisions and its own version table in its schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.config import async_database_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def alembic_config(service: str, database_url: str) -> Config:
    """The Alembic configuration of `services/<service>/migrations`."""
    migrations = PROJECT_ROOT / "services" / service / "migrations"
    if not migrations.is_dir():
        raise FileNotFoundError(f"no migrations for service {service!r} at {migrations}")
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", async_database_url(database_url).replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Apply a service's migrations up to `revision` (blocking; run before the service starts)."""
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(config: Config, *, metadata: MetaData, schema: str) -> None:
    """Body of a service's `migrations/env.py`: online, async, version table in the service's schema."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None

    def migrate(connection: Connection) -> None:
        from alembic import context

        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                # One migrator at a time per schema, so replicas starting together do not race.
                await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run())
    else:  # called from inside a running loop (tests): run in a fresh thread's loop
        import threading

        errors: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if errors:
            raise errors[0]
