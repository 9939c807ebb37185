"""What every use case of the profiles service does the same way: lock the row it changes, apply
the change and bump the version, turn a refused write into the problem it means to the client,
and publish the entity's new state as an event in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Table, Text, bindparam, cast, func, insert, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.documents import Document
from profiles.models import messaging
from shared.clock import utcnow
from shared.constraints import Conflict, constraint_name
from shared.errors import Problem
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)

ID_UNAVAILABLE = "this id cannot be used: choose another, or leave `id` out to have one generated"
# Unique constraints a request can run into, and the field each one is about.
CONFLICTS: dict[str, Conflict] = {
    "uq_people_organization_email": Conflict("body.email", "a person with this email already exists"),
    "uq_people_organization_external_id": Conflict(
        "body.external_id", "a person with this external id already exists"
    ),
    # Person ids are unique across the platform (every service keys people by id alone), so an id
    # another organization holds is refused too: with the very same answer as one this
    # organization holds, which says nothing of whose it is (or whether it is a person at all).
    "pk_people": Conflict("body.id", ID_UNAVAILABLE, slug="id-unavailable"),
    "pk_custom_skills": Conflict("body.slug", "the organization already has this skill"),
    "uq_enrollments_program_id_person_id": Conflict(
        "body.person_id", "this person is already enrolled in the program"
    ),
}


def _refusal(exc: IntegrityError) -> Problem:
    """The problem a write refused by a constraint means to the client."""
    name = constraint_name(exc)
    if name in CONFLICTS:
        return CONFLICTS[name].problem()
    return Problem(422, f"the request breaks a data constraint ({name or 'unknown'})")


async def flush(session: AsyncSession) -> None:
    """Write pending rows now, so a unique violation becomes a 409 naming the field.

    No savepoint (`shared.constraints.flush_or_conflict` takes one): a refusal fails the whole
    use case anyway, and bulk imports flush row after row without paying two round trips each."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _refusal(exc) from exc


def _insert_from_json(table: Table) -> Any:
    """`INSERT INTO table SELECT ... FROM jsonb_populate_recordset(NULL::table, :rows)`: any number
    of rows in one statement with one parameter (no limit on bind parameters), and one firing of
    the table's statement-level triggers (the audit trail's) for all of them."""
    names = [column.name for column in table.columns]
    records = func.jsonb_populate_recordset(
        literal_column(f"NULL::{table.fullname}"), cast(bindparam("rows", type_=Text), JSONB)
    ).table_valued(*names)
    return insert(table).from_select(names, select(*(records.c[name] for name in names)))


_INSERTS: dict[str, Any] = {}


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many new rows of `table` in one statement (every column the rows leave out is NULL,
    server defaults do not apply), a refused write turned into its problem as `flush` does."""
    statement = _INSERTS.get(table.fullname)
    if statement is None:
        statement = _INSERTS[table.fullname] = _insert_from_json(table)
    try:
        await session.execute(statement, {"rows": orjson.dumps(rows).decode()})
    except IntegrityError as exc:
        raise _refusal(exc) from exc


async def publish(session: AsyncSession, event: Event, *, organization: str, subject: object) -> None:
    """Add the change's event to the outbox, in the change's transaction."""
    await OUTBOX.add(session, event, organization=organization, subject=str(subject))


def is_erased(person: Any) -> bool:
    """Whether the person was erased (issue 20): their row is anonymized for good."""
    return person.erased_at is not None


def refuse_if_erased(person: Any) -> None:
    """An erased person is never changed or reactivated again (409 `person-erased`)."""
    if is_erased(person):
        raise Problem(
            409,
            "this person was erased: their profile cannot be changed or reactivated; "
            "create a new person instead",
            slug="person-erased",
            title="Person erased",
        )


async def apply_change(session: AsyncSession, entity: Any, changed: dict[str, Any]) -> None:
    """Set the changed fields and bump the version: every change of an entity goes through here."""
    for name, value in changed.items():
        setattr(entity, name, value)
    entity.version += 1
    entity.updated_at = utcnow()
    await flush(session)


async def record_creation(
    session: AsyncSession,
    entity: Any,
    *,
    document_of: Callable[[Any], Document],
    event_of: Callable[[Document], Event],
    subject: object = None,
) -> Document:
    """Insert a new entity and publish the event built from its document (the subject is its id
    unless said otherwise)."""
    session.add(entity)
    await flush(session)
    document = document_of(entity)
    await publish(session, event_of(document), organization=entity.organization, subject=subject or entity.id)
    return document


async def record_creations(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    document_of: Callable[[dict[str, Any]], Document],
    event_of: Callable[[Document], Event],
) -> list[Document]:
    """`record_creation` for many new rows of `table` at once (bulk imports): one insert (see
    `insert_rows`) and one batched outbox insert, an event per row; each row's subject is its id."""
    await insert_rows(session, table, rows)
    documents = [document_of(row) for row in rows]
    await OUTBOX.add_many(
        session,
        [
            (event_of(document), row["organization"], str(row["id"]))
            for row, document in zip(rows, documents, strict=True)
        ],
    )
    return documents


async def record_change(
    session: AsyncSession,
    entity: Any,
    changed: dict[str, Any],
    *,
    document_of: Callable[[Any], Document],
    event_of: Callable[[Document], Event],
) -> Document:
    """Apply `changed` to the entity (see `apply_change`) and publish the event built from its
    new document."""
    await apply_change(session, entity, changed)
    document = document_of(entity)
    await publish(session, event_of(document), organization=entity.organization, subject=entity.id)
    return document


def plain(value: Any) -> Any:
    """An enumeration member as the value stored in its column."""
    return value.value if isinstance(value, StrEnum) else value


async def locked(session: AsyncSession, model: type[Any], *, organization: str, row_id: uuid.UUID) -> Any:
    """The organization's row with this id, locked for the change (None when there is none)."""
    # FOR NO KEY UPDATE: foreign key checks of other transactions (a report naming this person as
    # manager, an enrollment) take KEY SHARE locks, which this does not block.
    return await session.scalar(
        select(model)
        .where(model.id == row_id, model.organization == organization)
        .with_for_update(key_share=True)
    )
