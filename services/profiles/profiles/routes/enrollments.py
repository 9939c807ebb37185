"""Enrollments: a person in a program as mentor or mentee."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.access import Visibility
from profiles.dependencies import Caller, Reader, Writer
from profiles.documents import enrollment_view
from profiles.schemas import AnyEnrollment, Enrollment, EnrollmentCreate, EnrollmentPage, EnrollmentUpdate
from shared.concurrency import IdempotencyKey, IfMatch, etag
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["enrollments"])


def _location(enrollment: dict[str, object]) -> str:
    return f"/v1/programs/{enrollment['program_id']}/enrollments/{enrollment['id']}"


@router.post(
    "/programs/{program_id}/enrollments",
    status_code=201,
    response_model=Enrollment,
    summary="Enroll a person (admin) or yourself (starts pending until an admin activates it)",
    responses=problems(403, 404, 409),
)
async def enroll(
    program_id: uuid.UUID,
    fields: EnrollmentCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        enrollment = await service.enroll(session, caller=caller, program_id=program_id, fields=fields)
        headers = {"ETag": etag(enrollment["version"]), "Location": _location(enrollment)}
        return enrollment_view(enrollment, Visibility.FULL), headers

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/programs/{program_id}/enrollments",
    response_model=EnrollmentPage,
    summary="Enrollments of a program: all for admins; members see their own and the live ones",
    responses=problems(400, 403, 404),
)
async def list_enrollments(
    program_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    role: EnrollmentRole | None = None,
    status: EnrollmentStatus | None = None,
) -> Response:
    items, next_cursor = await queries.list_enrollments(
        db,
        caller=caller,
        program_id=program_id,
        role=role.value if role else None,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    return page_response(items, next_cursor)


@router.get(
    "/programs/{program_id}/enrollments/{enrollment_id}",
    response_model=AnyEnrollment,
    summary="An enrollment",
    responses=problems(404),
)
async def get_enrollment(
    program_id: uuid.UUID, enrollment_id: uuid.UUID, caller: Caller, db: Reader
) -> Response:
    found = await queries.enrollment_for(
        db, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    if found is None:
        raise not_found("enrollment")
    enrollment, visibility = found
    return document_response(enrollment_view(enrollment, visibility), version=enrollment["version"])


@router.patch(
    "/programs/{program_id}/enrollments/{enrollment_id}",
    response_model=Enrollment,
    summary="Change goals or status (the enrolled person or an admin; If-Match required)",
    responses=problems(403, 404, 409, 412, 428),
)
async def update_enrollment(
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    changes: EnrollmentUpdate,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        enrollment = await service.update_enrollment(
            session,
            caller=caller,
            program_id=program_id,
            enrollment_id=enrollment_id,
            changes=changes,
            if_match=if_match,
        )
    return document_response(enrollment_view(enrollment, Visibility.FULL), version=enrollment["version"])


@router.post(
    "/programs/{program_id}/enrollments/{enrollment_id}/withdraw",
    response_model=Enrollment,
    summary="Withdraw from a program (the enrolled person or an admin); idempotent",
    responses=problems(403, 404, 409, 412),
)
async def withdraw(
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        enrollment = await service.withdraw_enrollment(
            session, caller=caller, program_id=program_id, enrollment_id=enrollment_id, if_match=if_match
        )
    return document_response(enrollment_view(enrollment, Visibility.FULL), version=enrollment["version"])


@router.get(
    "/me/enrollments",
    response_model=EnrollmentPage,
    summary="The caller's own enrollments",
    responses=problems(400),
)
async def my_enrollments(caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None) -> Response:
    items, next_cursor = await queries.enrollments_of(db, caller=caller, limit=limit, cursor=cursor)
    return page_response(items, next_cursor)
