"""The people read model: who exists, who is active and since when they are not (profiles' events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.models import Erasure, Person
from shared.contracts.profiles import PersonState
from shared.read_models import upsert_if_newer


async def apply(session: AsyncSession, person: PersonState, *, left_at: datetime | None) -> bool:
    """Keep the person's newer state; `left_at` is when they were deactivated (None if active). A
    later change of someone who had already left keeps the day they left."""
    known = await session.get(Person, person.id)
    if known is not None and not known.active and not person.active and known.deactivated_at is not None:
        left_at = known.deactivated_at
    return await upsert_if_newer(
        session,
        Person.__table__,
        {
            "id": person.id,
            "organization": person.organization,
            "active": person.active,
            "deactivated_at": None if person.active else left_at,
            "version": person.version,
        },
        key=("id",),
    )


async def cancel_pending_erasures(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> None:
    """A person who came back is not erased: their pending erasure is canceled."""
    await session.execute(
        update(Erasure)
        .where(
            Erasure.organization == organization, Erasure.person_id == person_id, Erasure.status == "pending"
        )
        .values(status="canceled")
    )


async def mark_erased(
    session: AsyncSession, *, organization: str, person_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        update(Person)
        .where(Person.organization == organization, Person.id == person_id, Person.erased_at.is_(None))
        .values(erased_at=now)
    )
