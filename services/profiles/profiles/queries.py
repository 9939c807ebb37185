"""Reads: every query is scoped to the caller's organization and is one indexed statement.

Reads go through Core (no ORM identity map) on a plain connection; they also run on a session
when a use case needs them inside its transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from profiles import access
from profiles.access import LIVE_ENROLLMENT, Visibility
from profiles.models import CustomSkill, Enrollment, Person, Program
from profiles.states import (
    Document,
    enrollment_document,
    enrollment_view,
    person_document,
    person_view,
    program_document,
    skill_document,
)
from shared.auth import Principal
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor

Executor = AsyncConnection | AsyncSession

PEOPLE = cast(Table, Person.__table__)
PROGRAMS = cast(Table, Program.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
SKILLS = cast(Table, CustomSkill.__table__)


def _shares_program(organization: str, caller_id: uuid.UUID, person_id: Any) -> Any:
    """Whether the caller and `person_id` hold live enrollments in one program."""
    mine = ENROLLMENTS.alias("mine")
    theirs = ENROLLMENTS.alias("theirs")
    return exists().where(
        mine.c.organization == organization,
        mine.c.person_id == caller_id,
        mine.c.status.in_(LIVE_ENROLLMENT),
        theirs.c.program_id == mine.c.program_id,
        theirs.c.person_id == person_id,
        theirs.c.status.in_(LIVE_ENROLLMENT),
    )


# --- people ------------------------------------------------------------------------------------


async def shares_program(db: Executor, *, caller: Principal, person_id: uuid.UUID) -> bool:
    caller_id = access.person_id_of(caller)
    if caller_id is None:
        return False
    return bool(await db.scalar(select(_shares_program(caller.organization, caller_id, person_id))))


@dataclass(frozen=True, kw_only=True)
class PeopleFilter:
    department: str | None = None
    active: bool | None = None
    skills: tuple[str, ...] = ()
    q: str | None = None
    external_id: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _after(columns: tuple[Any, Any], cursor: str | None) -> Any:
    """Rows after the cursor's (created_at, id) sort key."""
    if cursor is None:
        return None
    created_at, row_id = decode_cursor(cursor, arity=2)
    try:
        key = (datetime.fromisoformat(created_at), uuid.UUID(row_id))
    except (TypeError, ValueError) as exc:
        raise Problem(400, "the cursor is not valid", slug="invalid-cursor") from exc
    return tuple_(*columns) > key


async def _page(
    db: Executor, query: Select[Any], table: Table, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    after = _after((table.c.created_at, table.c.id), cursor)
    if after is not None:
        query = query.where(after)
    rows = list((await db.execute(query.order_by(table.c.created_at, table.c.id).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(last.created_at.isoformat(), str(last.id))


async def list_people(
    db: Executor, *, caller: Principal, filters: PeopleFilter, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """Admins and the integration see everyone; others see themselves and fellow program members."""
    organization = caller.organization
    query = select(PEOPLE).where(PEOPLE.c.organization == organization)
    privileged = access.manages_people(caller)
    caller_id = access.person_id_of(caller)
    if not privileged:
        if filters.external_id is not None:
            raise Problem(403, "filtering by external_id requires the admin or integration role")
        if caller_id is None:
            return [], None
        query = query.where(
            or_(
                PEOPLE.c.id == caller_id,
                and_(PEOPLE.c.active.is_(True), _shares_program(organization, caller_id, PEOPLE.c.id)),
            )
        )
    if filters.department is not None:
        query = query.where(PEOPLE.c.department == filters.department)
    if filters.active is not None:
        query = query.where(PEOPLE.c.active.is_(filters.active))
    for skill in filters.skills:
        query = query.where(PEOPLE.c.skills.contains([{"skill": skill}]))
    if filters.q:
        pattern = _like(filters.q)
        # Members search by name only: searching by email would reveal the addresses.
        query = query.where(
            or_(PEOPLE.c.name.ilike(pattern), PEOPLE.c.email.ilike(pattern))
            if privileged
            else PEOPLE.c.name.ilike(pattern)
        )
    if filters.external_id is not None:
        query = query.where(PEOPLE.c.external_id == filters.external_id)
    rows, next_cursor = await _page(db, query, PEOPLE, limit=limit, cursor=cursor)
    items = []
    for row in rows:
        visibility = Visibility.FULL if privileged or row.id == caller_id else Visibility.PUBLIC
        items.append(person_view(person_document(row), visibility))
    return items, next_cursor


# --- skills ------------------------------------------------------------------------------------


async def custom_skills(db: Executor, *, organization: str) -> list[Document]:
    rows = await db.execute(
        select(SKILLS).where(SKILLS.c.organization == organization).order_by(SKILLS.c.slug)
    )
    return [skill_document(row) for row in rows]


async def custom_skill_slugs(db: Executor, *, organization: str, among: set[str]) -> set[str]:
    rows = await db.execute(
        select(SKILLS.c.slug).where(SKILLS.c.organization == organization, SKILLS.c.slug.in_(among))
    )
    return set(rows.scalars())


# --- programs ----------------------------------------------------------------------------------


async def program_for(db: Executor, *, caller: Principal, program_id: uuid.UUID) -> Document | None:
    row = (
        await db.execute(
            select(PROGRAMS).where(
                PROGRAMS.c.id == program_id, PROGRAMS.c.organization == caller.organization
            )
        )
    ).first()
    if row is None or not access.program_visible(caller, row.status):
        return None
    return program_document(row)


async def list_programs(
    db: Executor,
    *,
    caller: Principal,
    status: str | None,
    objective: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    query = select(PROGRAMS).where(PROGRAMS.c.organization == caller.organization)
    if not caller.is_admin:
        query = query.where(PROGRAMS.c.status != "draft")
    if status is not None:
        query = query.where(PROGRAMS.c.status == status)
    if objective is not None:
        query = query.where(PROGRAMS.c.objective == objective)
    rows, next_cursor = await _page(db, query, PROGRAMS, limit=limit, cursor=cursor)
    return [program_document(row) for row in rows], next_cursor


# --- enrollments -------------------------------------------------------------------------------


async def is_member(db: Executor, *, caller: Principal, program_id: uuid.UUID) -> bool:
    """Whether the caller holds a live enrollment in the program."""
    caller_id = access.person_id_of(caller)
    if caller_id is None:
        return False
    found = await db.scalar(
        select(ENROLLMENTS.c.id).where(
            ENROLLMENTS.c.organization == caller.organization,
            ENROLLMENTS.c.program_id == program_id,
            ENROLLMENTS.c.person_id == caller_id,
            ENROLLMENTS.c.status.in_(LIVE_ENROLLMENT),
        )
    )
    return found is not None


async def enrollment_for(
    db: Executor, *, caller: Principal, program_id: uuid.UUID, enrollment_id: uuid.UUID
) -> tuple[Document, Visibility] | None:
    program = await program_for(db, caller=caller, program_id=program_id)
    if program is None:
        return None
    row = (
        await db.execute(
            select(ENROLLMENTS).where(
                ENROLLMENTS.c.id == enrollment_id,
                ENROLLMENTS.c.program_id == program_id,
                ENROLLMENTS.c.organization == caller.organization,
            )
        )
    ).first()
    if row is None:
        return None
    member = (
        False
        if caller.is_admin or access.is_self(caller, row.person_id)
        else await is_member(db, caller=caller, program_id=program_id)
    )
    visibility = access.enrollment_visibility(
        caller, person_id=row.person_id, status=row.status, caller_is_member=member
    )
    if visibility is None:
        return None
    return enrollment_document(row), visibility


async def list_enrollments(
    db: Executor,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    role: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """Admins see every enrollment; members see their own and the live ones of others."""
    if await program_for(db, caller=caller, program_id=program_id) is None:
        raise Problem(404, "program not found")
    caller_id = access.person_id_of(caller)
    query = select(ENROLLMENTS).where(
        ENROLLMENTS.c.organization == caller.organization, ENROLLMENTS.c.program_id == program_id
    )
    if not caller.is_admin:
        if not await is_member(db, caller=caller, program_id=program_id):
            raise Problem(403, "only members of this program see its enrollments")
        query = query.where(
            or_(ENROLLMENTS.c.person_id == caller_id, ENROLLMENTS.c.status.in_(LIVE_ENROLLMENT))
        )
    if role is not None:
        query = query.where(ENROLLMENTS.c.role == role)
    if status is not None:
        query = query.where(ENROLLMENTS.c.status == status)
    rows, next_cursor = await _page(db, query, ENROLLMENTS, limit=limit, cursor=cursor)
    items = []
    for row in rows:
        visibility = Visibility.FULL if caller.is_admin or row.person_id == caller_id else Visibility.PUBLIC
        items.append(enrollment_view(enrollment_document(row), visibility))
    return items, next_cursor


async def enrollments_of(
    db: Executor, *, caller: Principal, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The caller's own enrollments, in every program and status."""
    caller_id = access.person_id_of(caller)
    if caller_id is None:
        return [], None
    query = select(ENROLLMENTS).where(
        ENROLLMENTS.c.organization == caller.organization, ENROLLMENTS.c.person_id == caller_id
    )
    rows, next_cursor = await _page(db, query, ENROLLMENTS, limit=limit, cursor=cursor)
    return [enrollment_view(enrollment_document(row), Visibility.FULL) for row in rows], next_cursor
