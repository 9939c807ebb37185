"""Who reports to whom: a manager is another person of the organization, and the reporting line
never loops. Checked under a lock per organization, so two changes that are each fine alone
(A reports to B, B reports to A) cannot both commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.queries import PEOPLE
from shared.errors import invalid_field
from shared.locks import advisory_lock

_HELD = "reporting_line_lock"


async def lock_reporting_line(session: AsyncSession, *, organization: str) -> None:
    """Serialize reporting-line changes of the organization until the transaction ends. Taken once
    per transaction, so a bulk import setting many managers asks for it once."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_HELD)
    if held is not None and held[0] is transaction and held[1] == organization:
        return
    await advisory_lock(session, f"profiles.reporting-line.{organization}")
    session.info[_HELD] = (transaction, organization)


def _reporting_line_check() -> Any:
    """(whether the manager exists, whether the person is above them in their reporting line).

    Built once: composing the recursive query costs more than running it."""
    manager_id: Any = bindparam("manager_id")
    organization: Any = bindparam("organization")
    chain = (
        select(PEOPLE.c.id, PEOPLE.c.manager_id)
        .where(PEOPLE.c.id == manager_id, PEOPLE.c.organization == organization)
        .cte("chain", recursive=True)
    )
    above = PEOPLE.alias("above")
    chain = chain.union(
        select(above.c.id, above.c.manager_id).where(
            above.c.id == chain.c.manager_id, above.c.organization == organization
        )
    )
    return select(
        exists().where(PEOPLE.c.id == manager_id, PEOPLE.c.organization == organization),
        exists().where(chain.c.id == bindparam("person_id")),
    )


_REPORTING_LINE_CHECK = _reporting_line_check()


async def check_manager(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, manager_id: uuid.UUID
) -> None:
    """The manager is another person of the organization, and the reporting line has no cycle."""
    if manager_id == person_id:
        raise invalid_field("manager_id", "a person cannot be their own manager", kind="reporting_cycle")
    await lock_reporting_line(session, organization=organization)
    found = (
        await session.execute(
            _REPORTING_LINE_CHECK,
            {"manager_id": manager_id, "organization": organization, "person_id": person_id},
        )
    ).one()
    if not found[0]:
        raise invalid_field("manager_id", "no such person in the organization", kind="unknown_person")
    if found[1]:
        raise invalid_field(
            "manager_id", "this manager would create a cycle in the reporting line", kind="reporting_cycle"
        )


async def check_new_managers(
    session: AsyncSession, *, organization: str, managers: dict[uuid.UUID, uuid.UUID | None]
) -> None:
    """`check_manager` for people about to be created together (their id -> their manager's id, a
    manager possibly one of them). Nobody reports to a person not created yet, so the only cycles
    possible are among the new people; managers outside them must exist, asked in one query."""
    acyclic: set[uuid.UUID] = set()  # new people whose reporting line leaves the new people
    for person_id, manager_id in managers.items():
        if manager_id == person_id:
            raise invalid_field("manager_id", "a person cannot be their own manager", kind="reporting_cycle")
        chain: list[uuid.UUID] = [person_id]
        on_chain = {person_id}
        while manager_id is not None and manager_id in managers and manager_id not in acyclic:
            if manager_id in on_chain:
                raise invalid_field(
                    "manager_id",
                    "this manager would create a cycle in the reporting line",
                    kind="reporting_cycle",
                )
            chain.append(manager_id)
            on_chain.add(manager_id)
            manager_id = managers[manager_id]
        acyclic.update(chain)
    if not any(managers.values()):
        return
    outside = {manager_id for manager_id in managers.values() if manager_id is not None} - set(managers)
    await lock_reporting_line(session, organization=organization)
    if not outside:
        return
    found = set(
        (
            await session.execute(
                select(PEOPLE.c.id).where(PEOPLE.c.organization == organization, PEOPLE.c.id.in_(outside))
            )
        ).scalars()
    )
    if outside - found:
        raise invalid_field("manager_id", "no such person in the organization", kind="unknown_person")
