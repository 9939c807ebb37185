"""Read models built from events converge whatever the delivery order: newer versions win."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert_if_newer(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    version_column: str = "version",
) -> bool:
    """Insert the row, or overwrite it only if `values` carries a higher version.

    A stale or repeated event (same or lower version) changes nothing. Returns whether it applied.
    """
    statement = insert(table).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in key}
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_=updates,
        where=table.c[version_column] < statement.excluded[version_column],
    ).returning(table.c[version_column])
    result = await session.execute(upsert)
    return result.first() is not None
