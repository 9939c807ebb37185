"""Use cases of people: create a profile, change it, deactivate and reactivate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import access, queries
from profiles.documents import PERSON_FIELDS, Document, person_document
from profiles.models import Person
from profiles.schemas import PersonCreate, PersonUpdate
from profiles.service.changes import (
    locked,
    record_change,
    record_creation,
    record_creations,
    refuse_if_erased,
)
from profiles.service.reporting_line import check_manager, check_new_managers, lock_reporting_line
from profiles.taxonomy import unknown_skills
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.contracts.profiles import (
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    PersonUpdated,
)
from shared.errors import Problem

_CREATE_FIELDS = set(PersonCreate.model_fields)


def _person_values(fields: BaseModel, names: set[str]) -> dict[str, Any]:
    """Column values of the given fields: JSON documents for JSONB columns, UUIDs for ids."""
    values = fields.model_dump(mode="json", include=names)
    for key in ("id", "manager_id"):
        if values.get(key) is not None:
            values[key] = uuid.UUID(values[key])
    return values


def _skill_lists(values: dict[str, Any]) -> dict[str, list[Any]]:
    return {"skills": values["skills"], "learning_interests": values["learning_interests"]}


def _outside_taxonomy(lists: dict[str, list[Any]]) -> set[str]:
    return unknown_skills({item["skill"] for items in lists.values() for item in items}, set())


def _refuse_unknown_skills(lists: dict[str, list[Any]], unknown: set[str]) -> None:
    errors = [
        {
            "field": f"body.{field}.{index}.skill",
            "message": f"unknown skill {item['skill']!r}: add it to the organization's skills first",
            "type": "unknown_skill",
        }
        for field, items in lists.items()
        for index, item in enumerate(items)
        if item["skill"] in unknown
    ]
    if errors:
        raise Problem(422, "some skills are not in the organization's taxonomy", errors=errors)


async def _check_skills(session: AsyncSession, *, organization: str, lists: dict[str, list[Any]]) -> None:
    """Skills must come from the default taxonomy or the organization's own (422 naming each)."""
    outside = _outside_taxonomy(lists)
    if not outside:
        return
    custom = await queries.custom_skill_slugs(session, organization=organization, among=outside)
    _refuse_unknown_skills(lists, outside - custom)


async def create_person(session: AsyncSession, *, caller: Principal, fields: PersonCreate) -> Document:
    organization = caller.organization
    values = _person_values(fields, _CREATE_FIELDS)
    person_id = values.pop("id") or uuid.uuid4()
    await _check_skills(
        session,
        organization=organization,
        lists={"skills": values["skills"], "learning_interests": values["learning_interests"]},
    )
    if values["manager_id"] is not None:
        await check_manager(
            session, organization=organization, person_id=person_id, manager_id=values["manager_id"]
        )
    now = utcnow()
    person = Person(
        id=person_id,
        organization=organization,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    return await record_creation(
        session,
        person,
        document_of=person_document,
        event_of=lambda document: PersonCreated(person=PersonState.model_validate(document)),
    )


async def create_people(
    session: AsyncSession, *, caller: Principal, people: Sequence[PersonCreate]
) -> list[Document]:
    """`create_person` for many people at once (bulk imports): the same checks, then one insert
    for all and one PersonCreated each, in the caller's transaction. A manager may be one of the
    people created. All or nothing: the first refusal raises its problem."""
    organization = caller.organization
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for fields in people:
        values = _person_values(fields, _CREATE_FIELDS)
        rows.append(
            {
                **values,
                "id": values["id"] or uuid.uuid4(),
                "organization": organization,
                "active": True,
                "erased_at": None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    # The organization's own skills among those outside the default taxonomy: asked once for all.
    outside = set().union(*(_outside_taxonomy(_skill_lists(row)) for row in rows))
    if outside:
        unknown = outside - await queries.custom_skill_slugs(
            session, organization=organization, among=outside
        )
        for row in rows:
            _refuse_unknown_skills(_skill_lists(row), unknown)
    await check_new_managers(
        session, organization=organization, managers={row["id"]: row["manager_id"] for row in rows}
    )
    return await record_creations(
        session,
        Person.__table__,
        rows,
        document_of=lambda row: {name: row[name] for name in PERSON_FIELDS},
        event_of=lambda document: PersonCreated(person=PersonState.model_validate(document)),
    )


async def _person_to_change(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, if_match: str | None
) -> Person:
    """The person, locked, once the caller may change them and named the current version."""
    person: Person | None = await locked(session, Person, organization=caller.organization, row_id=person_id)
    if person is None:
        raise Problem(404, "person not found")
    if not access.may_edit_person(caller, person_id):
        if person.active and await queries.shares_program(session, caller=caller, person_id=person_id):
            raise Problem(403, "you may only change your own profile")
        raise Problem(404, "person not found")
    refuse_if_erased(person)
    check_if_match(if_match, person.version)
    return person


async def update_person(
    session: AsyncSession,
    *,
    caller: Principal,
    person_id: uuid.UUID,
    changes: PersonUpdate,
    if_match: str | None,
) -> Document:
    """Replace the fields present in `changes`; a person may not change the admin-only ones."""
    if changes.manager_id is not None:
        # Before any row lock, so that waiting for it never holds a lock another change needs.
        await lock_reporting_line(session, organization=caller.organization)
    person = await _person_to_change(session, caller=caller, person_id=person_id, if_match=if_match)
    fields = set(changes.model_fields_set)
    reserved = access.fields_reserved_for_admins(caller, fields)
    if reserved:
        message = "only an admin or the HR integration may change this field"
        raise Problem(
            403,
            f"only an admin or the HR integration may change: {', '.join(reserved)}",
            errors=[{"field": f"body.{name}", "message": message, "type": "forbidden"} for name in reserved],
        )
    values = _person_values(changes, fields)
    changed = {name: value for name, value in values.items() if getattr(person, name) != value}
    if not changed:
        return person_document(person)
    lists: dict[str, list[Any]] = {
        name: changed[name] for name in ("skills", "learning_interests") if name in changed
    }
    if lists:
        await _check_skills(session, organization=caller.organization, lists=lists)
    if changed.get("manager_id") is not None:
        await check_manager(
            session, organization=caller.organization, person_id=person_id, manager_id=changed["manager_id"]
        )
    return await record_change(
        session,
        person,
        changed,
        document_of=person_document,
        event_of=lambda document: PersonUpdated(
            person=PersonState.model_validate(document), changed=sorted(changed)
        ),
    )


async def set_person_active(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, active: bool, if_match: str | None
) -> Document:
    """Deactivate or reactivate; doing it twice is harmless (no new version, no event). An erased
    person is never reactivated (409 `person-erased`)."""
    person: Person | None = await locked(session, Person, organization=caller.organization, row_id=person_id)
    if person is None:
        raise Problem(404, "person not found")
    if active:
        refuse_if_erased(person)
    if if_match is not None:
        check_if_match(if_match, person.version)
    if person.active == active:
        return person_document(person)
    event = PersonReactivated if active else PersonDeactivated
    return await record_change(
        session,
        person,
        {"active": active},
        document_of=person_document,
        event_of=lambda document: event(person=PersonState.model_validate(document)),
    )
