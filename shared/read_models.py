"""Read models built from events converge whatever the delivery order: newer versions win."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.matching import CircleMemberStatus, CircleState


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


async def upsert_many_if_newer(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    version_column: str = "version",
) -> None:
    """`upsert_if_newer` for many rows (a consumer's batch of events): one statement, compiled once
    and sent as a pipelined batch. Of several rows with the same key, the highest version wins."""
    newest: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        row_key = tuple(row[name] for name in key)
        held = newest.get(row_key)
        if held is None or held[version_column] < row[version_column]:
            newest[row_key] = row
    if not newest:
        return
    statement = insert(table)
    columns = next(iter(newest.values())).keys()
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: statement.excluded[name] for name in columns if name not in key},
        where=table.c[version_column] < statement.excluded[version_column],
    )
    await session.execute(upsert, list(newest.values()))


async def upsert_newest(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    version_column: str = "version",
) -> set[Any]:
    """`upsert_many_if_newer` that says which rows took effect: the keys (`key` is a one-column
    primary key) of the rows that were inserted or overwrote an older version, for handlers whose
    follow-up work (a revision bump, ending matches) is due only when the new state won. One
    statement per thousand rows (SQLAlchemy's insertmanyvalues), whatever the batch's size."""
    newest: dict[Any, Mapping[str, Any]] = {}
    for row in rows:
        held = newest.get(row[key])
        if held is None or held[version_column] < row[version_column]:
            newest[row[key]] = row
    if not newest:
        return set()
    statement = insert(table)
    columns = next(iter(newest.values())).keys()
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={name: statement.excluded[name] for name in columns if name != key},
        where=table.c[version_column] < statement.excluded[version_column],
    ).returning(table.c[key])
    # In key order: two batches upserting the same rows (replicas, a replay beside the live consumer)
    # take their row locks in one order and never deadlock.
    result = await session.execute(upsert, [newest[row_key] for row_key in sorted(newest, key=_order)])
    return set(result.scalars())


def _order(key: Any) -> Any:
    """A sort key of a row key: UUIDs by their integer, which sorts far faster than UUID objects."""
    return key.int if isinstance(key, uuid.UUID) else key


async def upsert_circle_members(session: AsyncSession, table: Table, circle: CircleState) -> None:
    """A circle's members as a read model keeps them (`circle_id`, `person_id`, `role`, `active`),
    from the circle's full state: each member's role and whether they are still active."""
    if not circle.members:
        return
    statement = insert(table).values(
        [
            {
                "circle_id": circle.id,
                "person_id": member.person_id,
                "role": member.role.value,
                "active": member.status == CircleMemberStatus.ACTIVE,
            }
            for member in circle.members
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.circle_id, table.c.person_id],
            set_={"role": statement.excluded.role, "active": statement.excluded.active},
        )
    )
