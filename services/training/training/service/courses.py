"""Use cases of courses: set up the course of a program and role, change it. Either way a task
applies it to the people already enrolled (`jobs.sync_course`), in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.constraints import Conflict, problem_for
from shared.errors import Problem, not_found
from training import queries
from training.documents import Document
from training.jobs import SYNC_COURSE, queue
from training.models import COURSE_MODULES, COURSES, MODULES
from training.schemas import CourseCreate, CourseUpdate

CONFLICTS = {
    "uq_courses_program_id_role": Conflict(
        "role", "the program has a course for this role already: change that one", slug="course-exists"
    ),
}


async def module_problems(
    session: AsyncSession, *, organization: str, module_ids: list[uuid.UUID]
) -> list[dict[str, str]]:
    """Why the listed modules cannot make a course, as problem `errors` naming each position. A
    module of another organization is "not found", exactly like one that does not exist."""
    published = {
        row.id: row.published_version
        for row in await session.execute(
            select(MODULES.c.id, MODULES.c.published_version).where(
                MODULES.c.id.in_(module_ids), MODULES.c.organization == organization
            )
        )
    }
    errors = []
    seen: set[uuid.UUID] = set()
    for index, module_id in enumerate(module_ids):
        field = f"body.module_ids.{index}"
        if module_id not in published:
            errors.append({"field": field, "message": "module not found", "type": "unknown_module"})
        elif module_id in seen:
            errors.append({"field": field, "message": "the module is listed twice", "type": "duplicate"})
        elif published[module_id] is None:
            errors.append({"field": field, "message": "the module is not published yet", "type": "draft"})
        seen.add(module_id)
    return errors


def _raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        raise Problem(422, "the course lists modules it cannot use", slug="validation-error", errors=errors)


async def _set_modules(session: AsyncSession, *, course_id: uuid.UUID, module_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(COURSE_MODULES).where(COURSE_MODULES.c.course_id == course_id))
    await session.execute(
        COURSE_MODULES.insert(),
        [
            {"course_id": course_id, "position": position, "module_id": module_id}
            for position, module_id in enumerate(module_ids, start=1)
        ],
    )


async def _enqueue_sync(session: AsyncSession, *, course_id: uuid.UUID, revision: int) -> None:
    await queue.enqueue(
        session, SYNC_COURSE, payload={"course_id": str(course_id)}, key=f"{course_id}:{revision}"
    )


async def create_course(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, fields: CourseCreate, now: datetime
) -> Document:
    """The course of a program for one role; people already enrolled get it assigned by a task."""
    if await queries.program_organization(session, program_id=program_id) != caller.organization:
        raise not_found("program")
    _raise_if(await module_problems(session, organization=caller.organization, module_ids=fields.module_ids))
    course_id = uuid.uuid4()
    try:
        async with session.begin_nested():
            await session.execute(
                COURSES.insert().values(
                    id=course_id,
                    organization=caller.organization,
                    program_id=program_id,
                    role=fields.role.value,
                    title=fields.title,
                    due_days=fields.due_days,
                    modules_total=len(fields.module_ids),
                    revision=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError as exc:
        raise problem_for(exc, CONFLICTS) from exc
    await _set_modules(session, course_id=course_id, module_ids=fields.module_ids)
    await _enqueue_sync(session, course_id=course_id, revision=1)
    return await queries.course_document_of(session, organization=caller.organization, course_id=course_id)


async def update_course(
    session: AsyncSession,
    *,
    caller: Principal,
    course_id: uuid.UUID,
    changes: CourseUpdate,
    if_match: str | None,
    now: datetime,
) -> Document:
    """Change a course (If-Match: its revision). Open assignments follow (modules recounted, due
    times moved); completed ones stay completed."""
    course: Any = (
        await session.execute(
            select(COURSES)
            .where(COURSES.c.id == course_id, COURSES.c.organization == caller.organization)
            .with_for_update()
        )
    ).first()
    if course is None:
        raise not_found("course")
    check_if_match(if_match, course.revision)
    values: dict[str, Any] = {
        name: value
        for name, value in changes.model_dump(include={"title", "due_days"}, exclude_none=True).items()
    }
    if changes.module_ids is not None:
        _raise_if(
            await module_problems(session, organization=caller.organization, module_ids=changes.module_ids)
        )
        await _set_modules(session, course_id=course_id, module_ids=changes.module_ids)
        values["modules_total"] = len(changes.module_ids)
    revision = course.revision + 1
    await session.execute(
        update(COURSES).where(COURSES.c.id == course_id).values(**values, revision=revision, updated_at=now)
    )
    await _enqueue_sync(session, course_id=course_id, revision=revision)
    return await queries.course_document_of(session, organization=caller.organization, course_id=course_id)
