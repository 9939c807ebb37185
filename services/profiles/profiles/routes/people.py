"""People: profiles of mentors and mentees, provisioned by admins and the HR integration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.access import Visibility
from profiles.dependencies import Caller, Lookup, PeopleManager, Reader, Writer
from profiles.documents import person_view
from profiles.schemas import AnyPerson, Person, PersonCreate, PersonPage, PersonUpdate
from shared.auth import Principal
from shared.concurrency import IdempotencyKey, IfMatch, etag
from shared.dependencies import RequestWriter
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.text import SafeText

router = APIRouter(prefix="/v1", tags=["people"])


@router.post(
    "/people",
    status_code=201,
    response_model=Person,
    summary="Create a person (admin or HR integration)",
    responses=problems(403, 409),
)
async def create_person(
    fields: PersonCreate,
    caller: PeopleManager,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        person = await service.create_person(session, caller=caller, fields=fields)
        headers = {"ETag": etag(person["version"]), "Location": f"/v1/people/{person['id']}"}
        return person_view(person, Visibility.FULL), headers

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/people",
    response_model=PersonPage,
    summary="List people: everyone for admins, fellow program members for others",
    responses=problems(400, 403),
)
async def list_people(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    department: Annotated[SafeText | None, Query(max_length=200)] = None,
    active: bool | None = None,
    skill: Annotated[list[SafeText] | None, Query(description="Has every one of these skills")] = None,
    q: Annotated[
        SafeText | None, Query(max_length=200, description="Search in name (and email, for admins)")
    ] = None,
    external_id: Annotated[SafeText | None, Query(max_length=200)] = None,
) -> Response:
    filters = queries.PeopleFilter(
        department=department, active=active, skills=tuple(skill or ()), q=q, external_id=external_id
    )
    items, next_cursor = await queries.list_people(
        db, caller=caller, filters=filters, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


@router.get("/me", response_model=Person, summary="The caller's own profile", responses=problems(404))
async def get_me(caller: Caller, lookup: Lookup) -> Response:
    person_id = caller.person_id
    found = None if person_id is None else await lookup.find(caller=caller, person_id=person_id)
    if found is None:
        raise not_found("profile")
    person, _ = found
    return document_response(person_view(person, Visibility.FULL), version=person["version"])


@router.get(
    "/people/{person_id}",
    response_model=AnyPerson,
    summary="A person: whole profile for admins and the person, public part for program members",
    responses=problems(404),
)
async def get_person(person_id: uuid.UUID, caller: Caller, lookup: Lookup) -> Response:
    found = await lookup.find(caller=caller, person_id=person_id)
    if found is None:
        raise not_found("person")
    person, visibility = found
    return document_response(person_view(person, visibility), version=person["version"])


@router.patch(
    "/people/{person_id}",
    response_model=Person,
    summary="Change a profile (If-Match required); a person changes their own, except admin-only fields",
    responses=problems(403, 404, 409, 412, 428),
)
async def update_person(
    person_id: uuid.UUID,
    changes: PersonUpdate,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        person = await service.update_person(
            session, caller=caller, person_id=person_id, changes=changes, if_match=if_match
        )
    return document_response(person_view(person, Visibility.FULL), version=person["version"])


@router.post(
    "/people/{person_id}/deactivate",
    response_model=Person,
    summary="Deactivate a person (admin or HR integration); idempotent",
    responses=problems(403, 404, 412),
)
async def deactivate_person(
    person_id: uuid.UUID, caller: PeopleManager, writer: Writer, if_match: IfMatch = None
) -> Response:
    return await _set_active(person_id, caller=caller, writer=writer, active=False, if_match=if_match)


@router.post(
    "/people/{person_id}/reactivate",
    response_model=Person,
    summary="Reactivate a person (admin or HR integration); idempotent; an erased person never (409)",
    responses=problems(403, 404, 409, 412),
)
async def reactivate_person(
    person_id: uuid.UUID, caller: PeopleManager, writer: Writer, if_match: IfMatch = None
) -> Response:
    return await _set_active(person_id, caller=caller, writer=writer, active=True, if_match=if_match)


async def _set_active(
    person_id: uuid.UUID, *, caller: Principal, writer: RequestWriter, active: bool, if_match: str | None
) -> Response:
    async with writer.transaction() as session:
        person = await service.set_person_active(
            session, caller=caller, person_id=person_id, active=active, if_match=if_match
        )
    return document_response(person_view(person, Visibility.FULL), version=person["version"])
