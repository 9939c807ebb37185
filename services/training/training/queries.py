"""Reads of the training API: every query is scoped to the caller's organization, and every list is
a keyset page (`shared.pagination.keyset_page`).

The progress page and the program report read the counters assignments keep (`modules_done`,
`modules_total`), never count modules person by person; reflections are read for their author
alone (`reflection_of`, `reflections_page`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import not_found
from shared.pagination import Keyset, keyset_page
from training import library
from training.documents import (
    Document,
    assignment_document,
    attempt_document,
    course_document,
    gates_document,
    module_for_learner,
    module_summary,
    rate,
    reflection_document,
)
from training.models import (
    ASSIGNMENTS,
    ATTEMPTS,
    COURSE_MODULES,
    COURSES,
    GATES,
    MODULES,
    PEOPLE,
    PROGRAMS,
    PROGRESS,
    REFLECTIONS,
    VERSIONS,
)
from training.service.assignments import Gates, required

Page = tuple[list[Document], str | None]


async def program_organization(db: AsyncSession, *, program_id: uuid.UUID) -> str | None:
    """The organization of a program the service knows of (from profiles' events)."""
    return await db.scalar(select(PROGRAMS.c.organization).where(PROGRAMS.c.id == program_id))


async def program_visible(db: AsyncSession, *, organization: str, program_id: uuid.UUID) -> None:
    """404 unless the program is the organization's."""
    if await program_organization(db, program_id=program_id) != organization:
        raise not_found("program")


# --- modules -------------------------------------------------------------------------------------


async def modules_page(
    db: AsyncSession,
    *,
    organization: str,
    authoring: bool,
    audience: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """Modules in creation order: published ones as learners see them; for authors every module,
    drafts included, as its latest version."""
    number = MODULES.c.latest_version if authoring else MODULES.c.published_version
    query = (
        select(
            MODULES.c.id,
            MODULES.c.library_key,
            MODULES.c.published_version,
            MODULES.c.created_at,
            MODULES.c.updated_at,
            VERSIONS.c.number,
            VERSIONS.c.title,
            VERSIONS.c.audience,
            VERSIONS.c.estimated_minutes,
            VERSIONS.c.reflection_prompt,
            (func.jsonb_array_length(VERSIONS.c.questions) > 0).label("has_questions"),
        )
        .join(VERSIONS, and_(VERSIONS.c.module_id == MODULES.c.id, VERSIONS.c.number == number))
        .where(MODULES.c.organization == organization)
    )
    if audience is not None:
        query = query.where(VERSIONS.c.audience == audience)
    rows, next_cursor = await keyset_page(
        db, query, key=(MODULES.c.created_at, MODULES.c.id), limit=limit, cursor=cursor
    )
    return [module_summary(row) for row in rows], next_cursor


async def module_for_learner_of(db: AsyncSession, *, organization: str, module_id: uuid.UUID) -> Document:
    found = (
        await db.execute(
            select(MODULES, VERSIONS)
            .join(VERSIONS, VERSIONS.c.module_id == MODULES.c.id)
            .where(
                MODULES.c.id == module_id,
                MODULES.c.organization == organization,
                VERSIONS.c.number == MODULES.c.published_version,
            )
        )
    ).first()
    if found is None:
        raise not_found("module")
    module = _Part(found, MODULES)
    version = _Part(found, VERSIONS)
    return module_for_learner(module, version)


class _Part:
    """The columns of one table in a row that joins several (`row.<column>` of that table)."""

    def __init__(self, row: Any, table: Any) -> None:
        mapping = row._mapping
        self._values = {column.name: mapping[column] for column in table.c}

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


# --- courses -------------------------------------------------------------------------------------


async def _course_modules(db: AsyncSession, course_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
    """The modules of each course in order, with the title learners see (the published version)."""
    rows = await db.execute(
        select(
            COURSE_MODULES.c.course_id,
            COURSE_MODULES.c.position,
            COURSE_MODULES.c.module_id,
            VERSIONS.c.title,
            VERSIONS.c.estimated_minutes,
        )
        .join(MODULES, MODULES.c.id == COURSE_MODULES.c.module_id)
        .join(
            VERSIONS,
            and_(
                VERSIONS.c.module_id == MODULES.c.id,
                VERSIONS.c.number == func.coalesce(MODULES.c.published_version, MODULES.c.latest_version),
            ),
        )
        .where(COURSE_MODULES.c.course_id.in_(course_ids))
        .order_by(COURSE_MODULES.c.course_id, COURSE_MODULES.c.position)
    )
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.course_id].append(row)
    return found


async def course_document_of(db: AsyncSession, *, organization: str, course_id: uuid.UUID) -> Document:
    course = (
        await db.execute(
            select(COURSES).where(COURSES.c.id == course_id, COURSES.c.organization == organization)
        )
    ).first()
    if course is None:
        raise not_found("course")
    modules = await _course_modules(db, [course_id])
    return course_document(course, modules.get(course_id, []))


async def courses_page(
    db: AsyncSession, *, organization: str, program_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    query = select(COURSES).where(COURSES.c.organization == organization, COURSES.c.program_id == program_id)
    rows, next_cursor = await keyset_page(
        db, query, key=(COURSES.c.created_at, COURSES.c.id), limit=limit, cursor=cursor
    )
    modules = await _course_modules(db, [row.id for row in rows])
    return [course_document(row, modules.get(row.id, [])) for row in rows], next_cursor


# --- gates ---------------------------------------------------------------------------------------


async def gates_document_of(db: AsyncSession, *, program_id: uuid.UUID) -> Document:
    row = (await db.execute(select(GATES).where(GATES.c.program_id == program_id))).first()
    return gates_document(program_id, row)


# --- attempts and reflections (their author's) -----------------------------------------------------


async def attempts_page(
    db: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    module_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page:
    """Your attempts at a module's knowledge check, newest first."""
    query = (
        select(ATTEMPTS, VERSIONS.c.pass_mark, VERSIONS.c.questions, PROGRESS.c.completed_at)
        .join(
            VERSIONS,
            and_(
                VERSIONS.c.module_id == ATTEMPTS.c.module_id, VERSIONS.c.number == ATTEMPTS.c.module_version
            ),
        )
        .outerjoin(
            PROGRESS,
            and_(PROGRESS.c.person_id == ATTEMPTS.c.person_id, PROGRESS.c.module_id == ATTEMPTS.c.module_id),
        )
        .where(
            ATTEMPTS.c.organization == organization,
            ATTEMPTS.c.person_id == person_id,
            ATTEMPTS.c.module_id == module_id,
        )
    )
    rows, next_cursor = await keyset_page(
        db,
        query,
        key=_descending(ATTEMPTS.c.submitted_at, ATTEMPTS.c.id),
        limit=limit,
        cursor=cursor,
    )
    return [
        attempt_document(
            row, pass_mark=row.pass_mark or 0, questions=row.questions, completed=row.completed_at is not None
        )
        for row in rows
    ], next_cursor


def _descending(*columns: Any) -> Keyset:
    return Keyset(columns, descending=True)


async def reflection_of(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID, module_id: uuid.UUID
) -> Document | None:
    row = (
        await db.execute(
            select(REFLECTIONS, _prompt()).where(
                REFLECTIONS.c.organization == organization,
                REFLECTIONS.c.person_id == person_id,
                REFLECTIONS.c.module_id == module_id,
            )
        )
    ).first()
    return None if row is None else reflection_document(row, row.prompt)


def _prompt() -> Any:
    """The reflection prompt of the module version a reflection was written on."""
    return (
        select(VERSIONS.c.reflection_prompt)
        .where(
            VERSIONS.c.module_id == REFLECTIONS.c.module_id, VERSIONS.c.number == REFLECTIONS.c.module_version
        )
        .scalar_subquery()
        .label("prompt")
    )


async def reflections_page(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """Your reflections, most recently written first."""
    query = select(REFLECTIONS, _prompt()).where(
        REFLECTIONS.c.organization == organization, REFLECTIONS.c.person_id == person_id
    )
    rows, next_cursor = await keyset_page(
        db, query, key=_descending(REFLECTIONS.c.updated_at, REFLECTIONS.c.id), limit=limit, cursor=cursor
    )
    return [reflection_document(row, row.prompt) for row in rows], next_cursor


# --- progress ------------------------------------------------------------------------------------


async def person_known(db: AsyncSession, *, organization: str, person_id: uuid.UUID) -> bool:
    """Whether the organization has this person (as profiles told us) or any assignment of theirs."""
    if await db.scalar(select(PEOPLE.c.organization).where(PEOPLE.c.id == person_id)) == organization:
        return True
    found = await db.scalar(
        select(ASSIGNMENTS.c.id)
        .where(ASSIGNMENTS.c.person_id == person_id, ASSIGNMENTS.c.organization == organization)
        .limit(1)
    )
    return found is not None


async def person_progress(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID, now: datetime
) -> Document:
    """A person's assignments, newest first, each with its modules' standing: one statement (one
    round trip), a row per assignment and module, grouped here."""
    documents: list[Document] = []
    current: Any = None
    modules: list[Any] = []
    for row in await db.execute(PERSON_PROGRESS, {"person_id": person_id, "organization": organization}):
        if current is None or row.id != current.id:
            if current is not None:
                documents.append(_assignment(current, modules, now=now))
            current, modules = row, []
        if row.position is not None:
            modules.append(row)
    if current is not None:
        documents.append(_assignment(current, modules, now=now))
    return {"person_id": person_id, "assignments": documents}


def _assignment(row: Any, modules: list[Any], *, now: datetime) -> Document:
    gated = row.mentors_must_complete if row.role == "mentor" else row.mentees_must_complete
    return assignment_document(row, modules, required=bool(gated), now=now)


# The progress page: the person's assignments with their course, program and gates, and per module
# of the course (in order) its title and the person's standing. A text statement: the page is the
# most frequent read, and its SQL never changes, so it is prepared once per connection and costs
# no statement building or cache-key work per request.
PERSON_PROGRESS = text(
    """
    SELECT a.id, a.program_id, a.role, a.course_id, a.status, a.modules_done, a.modules_total,
           a.assigned_at, a.due_at, a.completed_at, a.closed_reason,
           c.title AS course_title, p.name AS program_name,
           g.mentors_must_complete, g.mentees_must_complete,
           cm.position, cm.module_id, v.title AS module_title, v.estimated_minutes,
           mp.completed_at AS module_completed_at, mp.completed_version, mp.attempts,
           mp.best_score, mp.passed_at, mp.reflected
    FROM training.assignments AS a
    JOIN training.courses AS c ON c.id = a.course_id
    LEFT JOIN training.programs AS p ON p.id = a.program_id
    LEFT JOIN training.readiness_gates AS g ON g.program_id = a.program_id
    LEFT JOIN (
        training.course_modules AS cm
        JOIN training.modules AS m ON m.id = cm.module_id
        JOIN training.module_versions AS v
          ON v.module_id = m.id AND v.number = coalesce(m.published_version, m.latest_version)
    ) ON cm.course_id = a.course_id
    LEFT JOIN training.module_progress AS mp ON mp.person_id = a.person_id AND mp.module_id = cm.module_id
    WHERE a.person_id = :person_id AND a.organization = :organization
    ORDER BY a.assigned_at DESC, a.id, cm.position
    """
)


# --- reports -------------------------------------------------------------------------------------


async def program_report(
    db: AsyncSession, *, organization: str, program_id: uuid.UUID, now: datetime
) -> Document | None:
    """Completion per role, overdue people, average knowledge-check scores, and the same per
    module; None unless the program is the organization's. Two statements: the program with its
    gates and its courses' modules and titles, then ONE pass over the program's assignments that
    counts everything (per role and status, and per module from the standing each assignment keeps
    in course order, `module_done` / `module_scores`)."""
    program = (await db.execute(REPORT_PROGRAM, {"program_id": program_id})).all()
    if not program or program[0].organization != organization:
        return None
    gates: Gates = {}
    if program[0].mentors_must_complete is not None:
        gates[program_id] = (program[0].mentors_must_complete, program[0].mentees_must_complete)
    courses: dict[str, Any] = {}
    modules_of: dict[tuple[str, int], tuple[uuid.UUID, str]] = {}
    for row in program:
        if row.id is None:
            continue  # no course yet
        courses[row.role] = row
        if row.position is not None:
            modules_of[(row.role, row.position)] = (row.module_id, row.module_title)
    positions = max((position for _role, position in modules_of), default=0)
    stats: dict[str, dict[str, Any]] = {
        row.role: dict(row._mapping)
        for row in await db.execute(_report_stats(positions), {"program_id": program_id, "now": now})
    }
    roles = []
    for role in ("mentor", "mentee"):
        counted: Mapping[str, Any] = stats.get(role, {})
        assigned = counted.get("assigned", 0)
        completed = counted.get("completed", 0)
        closed = counted.get("closed", 0)
        people = assigned + completed
        course = courses.get(role)
        if course is None and not (people or closed):
            continue
        modules = []
        attempted = 0
        score_sum = 0.0
        for position in range(1, positions + 1):
            module = modules_of.get((role, position))
            # A module no open assignment has a place for yet (the course just grew) is left out.
            if module is None or not counted.get(f"has_{position}"):
                continue
            tried = counted[f"attempted_{position}"]
            scores = float(counted[f"score_sum_{position}"] or 0)
            attempted += tried
            score_sum += scores
            done = counted[f"completed_{position}"]
            modules.append(
                {
                    "position": position,
                    "module_id": module[0],
                    "title": module[1],
                    "completed": done,
                    "completion_rate": rate(done, people),
                    "attempted": tried,
                    "average_score": round(scores / tried, 2) if tried else None,
                }
            )
        roles.append(
            {
                "role": role,
                "course_id": course.id if course is not None else None,
                "course_title": course.title if course is not None else None,
                "required_for_matching": required(gates, program_id, role),
                "people": people,
                "completed": completed,
                "completion_rate": rate(completed, people),
                "overdue": counted.get("overdue", 0),
                "closed": closed,
                "average_score": round(score_sum / attempted, 2) if attempted else None,
                "modules": modules,
            }
        )
    return {"program_id": program_id, "generated_at": now, "roles": roles}


# The program (whose organization the caller must be), its gates, and its courses with their
# modules in order and the titles learners see: a row per course module, or one row with NULL
# course columns when the program has no course yet.
REPORT_PROGRAM = text(
    """
    SELECT p.organization, g.mentors_must_complete, g.mentees_must_complete,
           c.id, c.role, c.title, cm.position, cm.module_id, v.title AS module_title
    FROM training.programs AS p
    LEFT JOIN training.readiness_gates AS g ON g.program_id = p.id
    LEFT JOIN (
        training.courses AS c
        LEFT JOIN (
            training.course_modules AS cm
            JOIN training.modules AS m ON m.id = cm.module_id
            JOIN training.module_versions AS v
              ON v.module_id = m.id AND v.number = coalesce(m.published_version, m.latest_version)
        ) ON cm.course_id = c.id
    ) ON c.program_id = p.id
    WHERE p.id = :program_id
    """
)

_REPORT_STATS: dict[int, Any] = {}


def _report_stats(positions: int) -> Any:
    """The report's one pass over a program's assignments, for courses of up to `positions`
    modules: per role, the people per status and the overdue ones, and per module position (open
    assignments only) how many have the position, have completed it, have a score, and the sum of
    the scores. Plain aggregates over array subscripts: no row per assignment and module to group
    (an `unnest` of 10,000 assignments' standing cost several times more). Built once per size."""
    statement = _REPORT_STATS.get(positions)
    if statement is None:
        open_ = "a.status <> 'closed'"
        per_position = "".join(
            f",\n           count(a.module_done[{i}]) FILTER (WHERE {open_}) AS has_{i}"
            f",\n           count(*) FILTER (WHERE {open_} AND a.module_done[{i}]) AS completed_{i}"
            f",\n           count(a.module_scores[{i}]) FILTER (WHERE {open_}) AS attempted_{i}"
            f",\n           sum(a.module_scores[{i}]) FILTER (WHERE {open_}) AS score_sum_{i}"
            for i in range(1, positions + 1)
        )
        statement = text(
            f"""
    SELECT a.role,
           count(*) FILTER (WHERE a.status = 'assigned') AS assigned,
           count(*) FILTER (WHERE a.status = 'assigned' AND a.due_at <= :now) AS overdue,
           count(*) FILTER (WHERE a.status = 'completed') AS completed,
           count(*) FILTER (WHERE a.status = 'closed') AS closed{per_position}
    FROM training.assignments AS a
    WHERE a.program_id = :program_id
    GROUP BY a.role
    """
        )
        _REPORT_STATS[positions] = statement
    return statement


async def overdue_page(
    db: AsyncSession,
    *,
    program_id: uuid.UUID,
    role: str | None,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> Page:
    """People whose course is past its due time and unfinished, longest overdue first."""
    a = ASSIGNMENTS
    query = (
        select(
            a.c.id,
            a.c.person_id,
            a.c.role,
            a.c.modules_done,
            a.c.modules_total,
            a.c.due_at,
            PEOPLE.c.name,
        )
        .outerjoin(PEOPLE, PEOPLE.c.id == a.c.person_id)
        .where(a.c.program_id == program_id, a.c.status == "assigned", a.c.due_at <= now)
    )
    if role is not None:
        query = query.where(a.c.role == role)
    rows, next_cursor = await keyset_page(db, query, key=(a.c.due_at, a.c.id), limit=limit, cursor=cursor)
    return [
        {
            "assignment_id": row.id,
            "person_id": row.person_id,
            "name": row.name,
            "role": row.role,
            "modules_done": row.modules_done,
            "modules_total": row.modules_total,
            "due_at": row.due_at,
        }
        for row in rows
    ], next_cursor


# --- library -------------------------------------------------------------------------------------


async def library_document(db: AsyncSession, *, organization: str, loaded: int) -> Document:
    """The starter library's collections, each module with its id once loaded here."""
    ids = {
        row.library_key: row.id
        for row in await db.execute(
            select(MODULES.c.library_key, MODULES.c.id).where(
                MODULES.c.organization == organization, MODULES.c.library_key.is_not(None)
            )
        )
    }
    return {
        "collections": [
            {
                "key": collection.key,
                "title": collection.title,
                "description": collection.description,
                "audience": collection.audience,
                "modules": [
                    {
                        "key": module.key,
                        "title": module.title,
                        "audience": module.audience,
                        "estimated_minutes": module.estimated_minutes,
                        "has_knowledge_check": module.check is not None,
                        "module_id": ids.get(module.key),
                    }
                    for module in collection.modules
                ],
            }
            for collection in library.collections()
        ],
        "loaded": loaded,
    }
