"""Enrollments: a person in a program as mentor or mentee."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from profiles import queries, service
from profiles.access import Visibility
from profiles.dependencies import Change, Creation
from profiles.documents import enrollment_view
from profiles.schemas import AnyEnrollment, Enrollment, EnrollmentCreate, EnrollmentPage, EnrollmentUpdate
from shared.concurrency import etag
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus
from shared.dependencies import Caller, Paging, Reader
from shared.responses import Created, document_response, found
from shared.routing import Routes

router = Routes("enrollments", "People in programs, as mentor or mentee")


def _location(enrollment: dict[str, object]) -> str:
    return f"/v1/programs/{enrollment['program_id']}/enrollments/{enrollment['id']}"


@router.creates("/programs/{program_id}/enrollments", Enrollment, 403, 404, 409)
async def enroll(
    program_id: uuid.UUID,
    fields: EnrollmentCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Enroll a person (admin) or yourself (starts pending until an admin activates it)"""

    async def create(session: AsyncSession) -> Created:
        enrollment = await service.enroll(session, caller=caller, program_id=program_id, fields=fields)
        headers = {"ETag": etag(enrollment["version"]), "Location": _location(enrollment)}
        return enrollment_view(enrollment, Visibility.FULL), headers

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/enrollments", EnrollmentPage, 400, 403, 404)
async def list_enrollments(
    program_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    paging: Paging,
    role: EnrollmentRole | None = None,
    status: EnrollmentStatus | None = None,
) -> Response:
    """Enrollments of a program: all for admins; members see their own and the live ones"""
    return await paging.answer(
        queries.list_enrollments,
        db,
        caller=caller,
        program_id=program_id,
        role=role.value if role else None,
        status=status.value if status else None,
    )


@router.reads("/programs/{program_id}/enrollments/{enrollment_id}", AnyEnrollment, 404)
async def get_enrollment(
    program_id: uuid.UUID, enrollment_id: uuid.UUID, caller: Caller, db: Reader
) -> Response:
    """An enrollment"""
    enrollment, visibility = found(
        await queries.enrollment_for(db, caller=caller, program_id=program_id, enrollment_id=enrollment_id),
        "enrollment",
    )
    return document_response(enrollment_view(enrollment, visibility), version=enrollment["version"])


@router.patches("/programs/{program_id}/enrollments/{enrollment_id}", Enrollment, 403, 404, 409, 412, 428)
async def update_enrollment(
    program_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    changes: EnrollmentUpdate,
    caller: Caller,
    change: Change,
) -> Response:
    """Change goals or status (the enrolled person or an admin; If-Match required)"""
    enrollment = await change.run(
        service.update_enrollment,
        caller=caller,
        program_id=program_id,
        enrollment_id=enrollment_id,
        changes=changes,
    )
    return document_response(enrollment_view(enrollment, Visibility.FULL), version=enrollment["version"])


@router.posts("/programs/{program_id}/enrollments/{enrollment_id}/withdraw", Enrollment, 403, 404, 409, 412)
async def withdraw(
    program_id: uuid.UUID, enrollment_id: uuid.UUID, caller: Caller, change: Change
) -> Response:
    """Withdraw from a program (the enrolled person or an admin); idempotent"""
    enrollment = await change.run(
        service.withdraw_enrollment, caller=caller, program_id=program_id, enrollment_id=enrollment_id
    )
    return document_response(enrollment_view(enrollment, Visibility.FULL), version=enrollment["version"])


@router.reads("/me/enrollments", EnrollmentPage, 400)
async def my_enrollments(caller: Caller, db: Reader, paging: Paging) -> Response:
    """The caller's own enrollments"""
    return await paging.answer(queries.enrollments_of, db, caller=caller)
