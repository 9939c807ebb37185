"""Courses: the ordered modules of a program for one role, due some days after enrollment (admins)."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.dependencies import Admin, Change, Creation, Reader
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response
from shared.routing import Routes
from training import queries
from training.documents import Document
from training.schemas import CourseCreate, CourseOut, CoursePage, CourseUpdate
from training.service import courses

router = Routes("courses", "Ordered modules per program and role (admins)")


@router.creates("/programs/{program_id}/courses", CourseOut, 403, 404, 409, 422)
async def create_course(
    program_id: uuid.UUID,
    fields: CourseCreate,
    caller: Admin,
    creation: Creation,
) -> Response:
    """Set up the program's course for a role (admin); people already enrolled get it too"""

    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        document = await courses.create_course(
            session, caller=caller, program_id=program_id, fields=fields, now=utcnow()
        )
        return document, {"ETag": f'"{document["revision"]}"', "Location": f"/v1/courses/{document['id']}"}

    return await creation.run(caller=caller, create=create)


@router.reads("/programs/{program_id}/courses", CoursePage, 400, 403, 404)
async def list_courses(
    program_id: uuid.UUID, caller: Admin, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """The program's courses (admin)"""
    await queries.program_visible(db, organization=caller.organization, program_id=program_id)
    page = await queries.courses_page(
        db, organization=caller.organization, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response(*page)


@router.reads("/courses/{course_id}", CourseOut, 403, 404)
async def get_course(course_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A course (admin)"""
    document = await queries.course_document_of(db, organization=caller.organization, course_id=course_id)
    return document_response(document, version=document["revision"])


@router.patches("/courses/{course_id}", CourseOut, 403, 404, 412, 422, 428)
async def update_course(
    course_id: uuid.UUID, changes: CourseUpdate, caller: Admin, change: Change
) -> Response:
    """Change a course (admin, If-Match): open assignments follow, completed ones stay"""
    document = await change.run(
        courses.update_course, caller=caller, course_id=course_id, changes=changes, now=utcnow()
    )
    return document_response(document, version=document["revision"])
