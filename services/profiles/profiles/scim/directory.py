"""Reads of the SCIM directory: people of an organization with their SCIM identities.

A person deleted through SCIM stays in profiles (deactivated) but is hidden from SCIM.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.documents import Document, person_document
from profiles.models import ScimIdentity
from profiles.queries import PEOPLE
from profiles.scim.filters import Columns
from profiles.scim.mapping import Identity

IDENTITIES = cast(Table, ScimIdentity.__table__)
COLUMNS = Columns(PEOPLE, IDENTITIES)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """A person as SCIM sees them."""

    person: Document
    identity: Identity | None
    hidden: bool
    # Erased (issue 20): never changed again, so never "unchanged" either (see changes.py).
    erased: bool = False


def _entries() -> Select[Any]:
    return select(
        PEOPLE,
        IDENTITIES.c.person_id.label("identity_person_id"),
        IDENTITIES.c.user_name.label("identity_user_name"),
        IDENTITIES.c.attributes.label("identity_attributes"),
        IDENTITIES.c.updated_at.label("identity_updated_at"),
        IDENTITIES.c.deleted_at.label("identity_deleted_at"),
    ).select_from(PEOPLE.outerjoin(IDENTITIES, IDENTITIES.c.person_id == PEOPLE.c.id))


def _entry(row: Any) -> Entry:
    identity = (
        None
        if row.identity_person_id is None
        else Identity(
            user_name=row.identity_user_name,
            attributes=row.identity_attributes,
            updated_at=row.identity_updated_at,
        )
    )
    return Entry(
        person=person_document(row),
        identity=identity,
        hidden=row.identity_deleted_at is not None,
        erased=row.erased_at is not None,
    )


VISIBLE = IDENTITIES.c.deleted_at.is_(None)


# Built once, as every SCIM request asks it.
_FIND = _entries().where(
    PEOPLE.c.organization == bindparam("organization"), PEOPLE.c.id == bindparam("person_id")
)


async def find(db: AsyncSession, *, organization: str, person_id: uuid.UUID) -> Entry | None:
    """The person, visible to SCIM or not (a hidden one is a 404 for SCIM clients)."""
    row = (await db.execute(_FIND, {"organization": organization, "person_id": person_id})).first()
    return None if row is None else _entry(row)


async def search(
    db: AsyncSession,
    *,
    organization: str,
    condition: ColumnElement[bool] | None,
    start_index: int,
    count: int,
) -> tuple[int, list[Entry]]:
    """The total number of visible people matching, and one page of them (oldest first)."""
    where = [PEOPLE.c.organization == organization, VISIBLE]
    if condition is not None:
        where.append(condition)
    total = await db.scalar(
        select(func.count())
        .select_from(PEOPLE.outerjoin(IDENTITIES, IDENTITIES.c.person_id == PEOPLE.c.id))
        .where(*where)
    )
    if count == 0 or not total:
        return int(total or 0), []
    rows = await db.execute(
        _entries()
        .where(*where)
        .order_by(PEOPLE.c.created_at, PEOPLE.c.id)
        .offset(start_index - 1)
        .limit(count)
    )
    return int(total), [_entry(row) for row in rows]


async def holder_of_user_name(
    db: AsyncSession, *, organization: str, key: str
) -> tuple[uuid.UUID, bool] | None:
    """Who goes by this userName (compared key), and whether they are hidden."""
    row = (
        await db.execute(
            select(PEOPLE.c.id, IDENTITIES.c.deleted_at)
            .select_from(PEOPLE.outerjoin(IDENTITIES, IDENTITIES.c.person_id == PEOPLE.c.id))
            .where(
                PEOPLE.c.organization == organization,
                or_(
                    IDENTITIES.c.user_name_key == key,
                    and_(IDENTITIES.c.person_id.is_(None), PEOPLE.c.email == key),
                ),
            )
            .limit(1)
        )
    ).first()
    return None if row is None else (row.id, row.deleted_at is not None)


async def hidden_with_external_id(
    db: AsyncSession, *, organization: str, external_id: str
) -> uuid.UUID | None:
    """A person deleted through SCIM who had this external id (a rehire comes back as them)."""
    found = await db.scalar(
        select(PEOPLE.c.id)
        .join(IDENTITIES, IDENTITIES.c.person_id == PEOPLE.c.id)
        .where(
            PEOPLE.c.organization == organization,
            PEOPLE.c.external_id == external_id,
            IDENTITIES.c.deleted_at.is_not(None),
        )
    )
    return cast(uuid.UUID | None, found)
