"""People: profiles of mentors and mentees, provisioned by admins and the HR integration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.access import Visibility
from profiles.dependencies import Change, Creation, Lookup, PeopleManager
from profiles.documents import person_view
from profiles.schemas import AnyPerson, Person, PersonCreate, PersonPage, PersonUpdate
from shared.auth import Principal
from shared.concurrency import etag
from shared.dependencies import Caller, ConditionalChange, Paging, Reader
from shared.errors import not_found
from shared.responses import Created, document_response, found
from shared.routing import Routes
from shared.text import SafeText

router = Routes("people", "Profiles of mentors and mentees")


@router.creates("/people", Person, 403, 409)
async def create_person(fields: PersonCreate, caller: PeopleManager, creation: Creation) -> Response:
    """Create a person (admin or HR integration)"""

    async def create(session: AsyncSession) -> Created:
        person = await service.create_person(session, caller=caller, fields=fields)
        headers = {"ETag": etag(person["version"]), "Location": f"/v1/people/{person['id']}"}
        return person_view(person, Visibility.FULL), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/people", PersonPage, 400, 403)
async def list_people(
    caller: Caller,
    db: Reader,
    paging: Paging,
    department: Annotated[SafeText | None, Query(max_length=200)] = None,
    active: bool | None = None,
    skill: Annotated[list[SafeText] | None, Query(description="Has every one of these skills")] = None,
    q: Annotated[
        SafeText | None, Query(max_length=200, description="Search in name (and email, for admins)")
    ] = None,
    external_id: Annotated[SafeText | None, Query(max_length=200)] = None,
) -> Response:
    """List people: everyone for admins, fellow program members for others"""
    filters = queries.PeopleFilter(
        department=department, active=active, skills=tuple(skill or ()), q=q, external_id=external_id
    )
    return await paging.answer(queries.list_people, db, caller=caller, filters=filters)


@router.reads("/me", Person, 404)
async def get_me(caller: Caller, lookup: Lookup) -> Response:
    """The caller's own profile"""
    person_id = caller.person_id
    found = None if person_id is None else await lookup.find(caller=caller, person_id=person_id)
    if found is None:
        raise not_found("profile")
    person, _ = found
    return document_response(person_view(person, Visibility.FULL), version=person["version"])


@router.reads("/people/{person_id}", AnyPerson, 404)
async def get_person(person_id: uuid.UUID, caller: Caller, lookup: Lookup) -> Response:
    """A person: whole profile for admins and the person, public part for program members"""
    person, visibility = found(await lookup.find(caller=caller, person_id=person_id), "person")
    return document_response(person_view(person, visibility), version=person["version"])


@router.patches("/people/{person_id}", Person, 403, 404, 409, 412, 428)
async def update_person(
    person_id: uuid.UUID, changes: PersonUpdate, caller: Caller, change: Change
) -> Response:
    """Change a profile (If-Match required); a person changes their own, except admin-only fields"""
    person = await change.run(service.update_person, caller=caller, person_id=person_id, changes=changes)
    return document_response(person_view(person, Visibility.FULL), version=person["version"])


@router.posts("/people/{person_id}/deactivate", Person, 403, 404, 412)
async def deactivate_person(person_id: uuid.UUID, caller: PeopleManager, change: Change) -> Response:
    """Deactivate a person (admin or HR integration); idempotent"""
    return await _set_active(person_id, caller=caller, change=change, active=False)


@router.posts("/people/{person_id}/reactivate", Person, 403, 404, 409, 412)
async def reactivate_person(person_id: uuid.UUID, caller: PeopleManager, change: Change) -> Response:
    """Reactivate a person (admin or HR integration); idempotent; an erased person never (409)"""
    return await _set_active(person_id, caller=caller, change=change, active=True)


async def _set_active(
    person_id: uuid.UUID, *, caller: Principal, change: ConditionalChange, active: bool
) -> Response:
    person = await change.run(service.set_person_active, caller=caller, person_id=person_id, active=active)
    return document_response(person_view(person, Visibility.FULL), version=person["version"])
