"""Courses: the ordered modules of a program for one role, due some days after enrollment (admins)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from training import queries
from training.dependencies import Admin, Reader, Writer
from training.documents import Document
from training.schemas import CourseCreate, CourseOut, CoursePage, CourseUpdate
from training.service import courses

router = APIRouter(prefix="/v1", tags=["courses"])


@router.post(
    "/programs/{program_id}/courses",
    status_code=201,
    response_model=CourseOut,
    summary="Set up the program's course for a role (admin); people already enrolled get it too",
    responses=problems(403, 404, 409, 422),
)
async def create_course(
    program_id: uuid.UUID,
    fields: CourseCreate,
    caller: Admin,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await courses.create_course(
            session, caller=caller, program_id=program_id, fields=fields, now=utcnow()
        )
        return document, {"ETag": f'"{document["revision"]}"', "Location": f"/v1/courses/{document['id']}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/programs/{program_id}/courses",
    response_model=CoursePage,
    summary="The program's courses (admin)",
    responses=problems(400, 403, 404),
)
async def list_courses(
    program_id: uuid.UUID, caller: Admin, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    await queries.program_visible(db, organization=caller.organization, program_id=program_id)
    page = await queries.courses_page(
        db, organization=caller.organization, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response(*page)


@router.get(
    "/courses/{course_id}", response_model=CourseOut, summary="A course (admin)", responses=problems(403, 404)
)
async def get_course(course_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    document = await queries.course_document_of(db, organization=caller.organization, course_id=course_id)
    return document_response(document, version=document["revision"])


@router.patch(
    "/courses/{course_id}",
    response_model=CourseOut,
    summary="Change a course (admin, If-Match): open assignments follow, completed ones stay",
    responses=problems(403, 404, 412, 422, 428),
)
async def update_course(
    course_id: uuid.UUID, changes: CourseUpdate, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        document = await courses.update_course(
            session, caller=caller, course_id=course_id, changes=changes, if_match=if_match, now=utcnow()
        )
    return document_response(document, version=document["revision"])
