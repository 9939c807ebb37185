"""Assignments follow enrollments: set-based, so a bulk of enrollments costs a few statements.

`reconcile` brings the assignments of some enrollments (or people, or a program and role) in line
with the read models: a live enrollment (pending or active) of an active person gets its program's
course for its role; an unfinished assignment whose enrollment ended, or whose person was
deactivated, is closed; a closed one whose enrollment and person are live again reopens. Nothing
is deleted, and a completed assignment stays completed. Everything it changes is published in the
same transaction (`AssignmentProgress` events), so it is as idempotent as the read models it
reads: running it twice changes nothing the second time.

`modules_done` is always recounted from module progress, never incremented: rows are locked by
one statement and recounted by the next, which (read committed) sees every completion committed
in between, so concurrent completions and course changes never lose a module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    ColumnElement,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.training import (
    AssignmentProgress,
    AssignmentStatus,
    CloseReason,
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingAssignmentUpdated,
    TrainingCompleted,
    TrainingModuleCompleted,
    TrainingOverdue,
)
from shared.events import Event
from shared.outbox import Outbox
from training.models import (
    ASSIGNMENTS,
    COURSE_MODULES,
    COURSES,
    ENROLLMENTS,
    GATES,
    PEOPLE,
    PROGRESS,
    messaging,
)

LIVE_ENROLLMENT = ("pending", "active")
ASSIGNED = AssignmentStatus.ASSIGNED.value
COMPLETED = AssignmentStatus.COMPLETED.value
CLOSED = AssignmentStatus.CLOSED.value

outbox = Outbox(messaging.outbox)


@dataclass(frozen=True)
class Scope:
    """Which enrollments a reconciliation looks at (any of them)."""

    enrollment_ids: Sequence[uuid.UUID] = ()
    person_ids: Sequence[uuid.UUID] = ()
    program_id: uuid.UUID | None = None
    role: str | None = None

    def condition(self) -> ColumnElement[bool]:
        # Id lists are one array parameter each (`= ANY(...)`), so the statement compiles once
        # whatever the batch size.
        parts: list[ColumnElement[bool]] = []
        if self.enrollment_ids:
            parts.append(ENROLLMENTS.c.id == any_(_ids(self.enrollment_ids)))
        if self.person_ids:
            parts.append(ENROLLMENTS.c.person_id == any_(_ids(self.person_ids)))
        if self.program_id is not None:
            program = ENROLLMENTS.c.program_id == self.program_id
            parts.append(and_(program, ENROLLMENTS.c.role == self.role) if self.role else program)
        return or_(*parts) if parts else false()


def _ids(ids: Sequence[uuid.UUID]) -> Any:
    return bindparam(None, list(ids), type_=ARRAY(Uuid))


def _person_active() -> ColumnElement[bool]:
    """The enrollment's person is active (or not known yet: people events may come later)."""
    active = select(PEOPLE.c.active).where(PEOPLE.c.id == ENROLLMENTS.c.person_id).scalar_subquery()
    return func.coalesce(active, true())


def _wanted() -> ColumnElement[bool]:
    """The enrollment should have an open assignment."""
    return and_(ENROLLMENTS.c.status.in_(LIVE_ENROLLMENT), _person_active())


def _scoped(scope: Scope, *, wanted: bool, name: str) -> CTE:
    """The enrollments in `scope` that should (`wanted`) or should not have an open assignment,
    looked up first through the enrollments' own indexes (their ids, people or program). The CTE
    is MATERIALIZED so the statement using it is always driven by this short list: planned the
    other way round (every open assignment, or every enrollment of the program, probed against
    the batch) it costs the whole table per batch, which a bulk of enrollments makes quadratic,
    and stale statistics during that very bulk invite exactly that plan."""
    condition = _wanted() if wanted else not_(_wanted())
    return (
        select(
            ENROLLMENTS.c.id,
            ENROLLMENTS.c.organization,
            ENROLLMENTS.c.program_id,
            ENROLLMENTS.c.person_id,
            ENROLLMENTS.c.role,
            ENROLLMENTS.c.status,
            ENROLLMENTS.c.enrolled_at,
        )
        .where(scope.condition(), condition)
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def _standing(course_id: Any, person_id: Any) -> Any:
    """A person's standing in a course in one pass over its modules (a LATERAL subquery): modules
    completed (`done`), and per module in course order whether it is completed (`flags`) and the
    best score (`scores`)."""
    completed = PROGRESS.c.completed_at.is_not(None)
    return (
        select(
            func.count().filter(completed).label("done"),
            func.array_agg(aggregate_order_by(completed, COURSE_MODULES.c.position)).label("flags"),
            func.array_agg(aggregate_order_by(PROGRESS.c.best_score, COURSE_MODULES.c.position)).label(
                "scores"
            ),
        )
        .select_from(
            COURSE_MODULES.outerjoin(
                PROGRESS,
                and_(PROGRESS.c.module_id == COURSE_MODULES.c.module_id, PROGRESS.c.person_id == person_id),
            )
        )
        .where(COURSE_MODULES.c.course_id == course_id)
        .lateral("standing")
    )


def _per_module(course_id: Any, person_id: Any) -> tuple[Any, Any]:
    """Per module of a course in course order: whether the person completed it, and their best
    score (two scalar subqueries giving arrays)."""

    def aggregate(value: Any) -> Any:
        return (
            select(func.array_agg(aggregate_order_by(value, COURSE_MODULES.c.position)))
            .select_from(COURSE_MODULES)
            .outerjoin(
                PROGRESS,
                and_(PROGRESS.c.module_id == COURSE_MODULES.c.module_id, PROGRESS.c.person_id == person_id),
            )
            .where(COURSE_MODULES.c.course_id == course_id)
            .scalar_subquery()
        )

    return aggregate(PROGRESS.c.completed_at.is_not(None)), aggregate(PROGRESS.c.best_score)


def _due(enrolled_at: Any, course_created_at: Any, due_days: Any) -> Any:
    # Due days count from the enrollment, or from when the course was set up for people who
    # enrolled before it existed.
    return func.greatest(enrolled_at, course_created_at) + func.make_interval(0, 0, 0, due_days)


async def reconcile(session: AsyncSession, *, scope: Scope, now: datetime) -> int:
    """Create, close and reopen the assignments of the enrollments in `scope`, publishing each
    change; how many assignments changed."""
    changed = await _assign_missing(session, scope=scope, now=now)
    changed += await _close_ended(session, scope=scope, now=now)
    changed += await _reopen(session, scope=scope, now=now)
    return changed


async def _assign_missing(session: AsyncSession, *, scope: Scope, now: datetime) -> int:
    enrollment, course = _scoped(scope, wanted=True, name="live"), COURSES
    standing = _standing(course.c.id, enrollment.c.person_id)
    candidates = (
        select(
            enrollment.c.organization,
            enrollment.c.program_id,
            enrollment.c.person_id,
            enrollment.c.role,
            enrollment.c.id.label("enrollment_id"),
            course.c.id.label("course_id"),
            course.c.modules_total,
            _due(enrollment.c.enrolled_at, course.c.created_at, course.c.due_days).label("due_at"),
            func.coalesce(standing.c.done, 0).label("done"),
            standing.c.flags,
            standing.c.scores,
        )
        .select_from(
            enrollment.join(
                course,
                and_(
                    course.c.program_id == enrollment.c.program_id,
                    course.c.role == enrollment.c.role,
                    course.c.organization == enrollment.c.organization,
                ),
            ).join(standing, true())
        )
        .subquery()
    )
    complete = candidates.c.done >= candidates.c.modules_total
    source = select(
        func.gen_random_uuid(),
        candidates.c.organization,
        candidates.c.program_id,
        candidates.c.person_id,
        candidates.c.role,
        candidates.c.enrollment_id,
        candidates.c.course_id,
        case((complete, COMPLETED), else_=ASSIGNED),
        func.least(candidates.c.done, candidates.c.modules_total),
        candidates.c.modules_total,
        candidates.c.flags,
        candidates.c.scores,
        literal(now),
        candidates.c.due_at,
        case((complete, literal(now)), else_=None),
        literal(1),
    )
    columns = [
        "id", "organization", "program_id", "person_id", "role", "enrollment_id", "course_id",
        "status", "modules_done", "modules_total", "module_done", "module_scores", "assigned_at", "due_at",
        "completed_at", "version",
    ]  # fmt: skip
    rows = (
        await session.execute(
            insert(ASSIGNMENTS)
            .from_select(columns, source)
            .on_conflict_do_nothing(constraint="uq_assignments_enrollment_id_course_id")
            .returning(ASSIGNMENTS)
        )
    ).all()
    events: list[Event] = []
    gates = await gates_of(session, {row.program_id for row in rows})
    for row in rows:
        state = progress_of(row, gates=gates, now=now)
        events.append(TrainingAssigned(assignment=state))
        if row.status == COMPLETED:
            # Everything in the course was done already (in another program's course).
            events.append(TrainingCompleted(assignment=state))
    await publish(session, events)
    return len(rows)


async def _close_ended(session: AsyncSession, *, scope: Scope, now: datetime) -> int:
    ended = _scoped(scope, wanted=False, name="ended")
    reason = case(
        (ended.c.status == "withdrawn", CloseReason.WITHDRAWN.value),
        (ended.c.status == "completed", CloseReason.ENROLLMENT_COMPLETED.value),
        else_=CloseReason.PERSON_DEACTIVATED.value,
    )
    rows = (
        await session.execute(
            update(ASSIGNMENTS)
            .where(ASSIGNMENTS.c.enrollment_id == ended.c.id, ASSIGNMENTS.c.status == ASSIGNED)
            .values(status=CLOSED, closed_at=now, closed_reason=reason, version=ASSIGNMENTS.c.version + 1)
            .returning(ASSIGNMENTS)
        )
    ).all()
    gates = await gates_of(session, {row.program_id for row in rows})
    await publish(
        session, [TrainingAssignmentClosed(assignment=progress_of(row, gates=gates, now=now)) for row in rows]
    )
    return len(rows)


async def _reopen(session: AsyncSession, *, scope: Scope, now: datetime) -> int:
    live = _scoped(scope, wanted=True, name="live")
    locked = (
        (
            await session.execute(
                select(ASSIGNMENTS.c.id)
                .join(live, live.c.id == ASSIGNMENTS.c.enrollment_id)
                .where(ASSIGNMENTS.c.status == CLOSED)
                .order_by(ASSIGNMENTS.c.id)
                .with_for_update(of=ASSIGNMENTS)
            )
        )
        .scalars()
        .all()
    )
    if not locked:
        return 0
    rows = await _recount(session, ids=list(locked), now=now, reopen=True)
    await _publish_recounted(session, rows, now=now, changed=["status"])
    return len(rows)


async def _recount(
    session: AsyncSession, *, ids: list[uuid.UUID], now: datetime, reopen: bool = False
) -> list[Any]:
    """Recount locked assignments against their course as it is now (modules, due time); returns
    the rows that changed, each with its values before (`old_*`)."""
    a, course, enrollment = ASSIGNMENTS, COURSES, ENROLLMENTS
    standing = _standing(a.c.course_id, a.c.person_id)
    fresh = (
        select(
            a.c.id,
            a.c.status.label("old_status"),
            a.c.modules_done.label("old_done"),
            a.c.modules_total.label("old_total"),
            a.c.due_at.label("old_due_at"),
            a.c.module_done.label("old_flags"),
            course.c.modules_total.label("total"),
            func.least(func.coalesce(standing.c.done, 0), course.c.modules_total).label("done"),
            _due(enrollment.c.enrolled_at, course.c.created_at, course.c.due_days).label("due_at"),
            standing.c.flags,
            standing.c.scores,
        )
        .select_from(
            a.join(course, course.c.id == a.c.course_id)
            .join(enrollment, enrollment.c.id == a.c.enrollment_id)
            .join(standing, true())
        )
        .where(a.c.id == any_(_ids(ids)))
        .subquery()
    )
    complete = fresh.c.done >= fresh.c.total
    differs = or_(
        fresh.c.done != fresh.c.old_done,
        fresh.c.total != fresh.c.old_total,
        fresh.c.due_at != fresh.c.old_due_at,
        fresh.c.flags.is_distinct_from(fresh.c.old_flags),
        complete,
        literal(reopen),
    )
    values: dict[str, Any] = {
        "modules_done": fresh.c.done,
        "modules_total": fresh.c.total,
        "module_done": fresh.c.flags,
        "module_scores": fresh.c.scores,
        "due_at": fresh.c.due_at,
        "status": case((complete, COMPLETED), else_=ASSIGNED),
        "completed_at": case((complete, func.coalesce(a.c.completed_at, literal(now))), else_=None),
        # A due time moved into the future may be reported overdue again when it passes.
        "overdue_at": case((fresh.c.due_at > literal(now), None), else_=a.c.overdue_at),
        "version": a.c.version + 1,
    }
    if reopen:
        values.update(closed_at=None, closed_reason=None)
    return list(
        (
            await session.execute(
                update(a)
                .where(a.c.id == fresh.c.id, differs)
                .values(**values)
                .returning(
                    a,
                    fresh.c.old_status,
                    fresh.c.old_done,
                    fresh.c.old_total,
                    fresh.c.old_due_at,
                    fresh.c.old_flags,
                )
            )
        ).all()
    )


async def _publish_recounted(
    session: AsyncSession, rows: Sequence[Any], *, now: datetime, changed: Sequence[str] = ()
) -> None:
    gates = await gates_of(session, {row.program_id for row in rows})
    events: list[Event] = []
    for row in rows:
        state = progress_of(row, gates=gates, now=now)
        fields = list(changed)
        fields += [
            name
            for name, before, after in (
                ("modules_done", row.old_done, row.modules_done),
                ("modules_total", row.old_total, row.modules_total),
                ("due_at", row.old_due_at, row.due_at),
                ("modules", row.old_flags, row.module_done),
            )
            if before != after
        ]
        if row.status == COMPLETED and row.old_status != COMPLETED:
            events.append(TrainingCompleted(assignment=state))
        else:
            events.append(TrainingAssignmentUpdated(assignment=state, changed=sorted(set(fields))))
    await publish(session, events)


async def sync_course(
    session: AsyncSession, *, course_id: uuid.UUID, after: uuid.UUID | None, limit: int, now: datetime
) -> uuid.UUID | None:
    """Bring a course's people up to date after it was created or changed, one slice at a time:
    the first slice (`after` None) assigns it to live enrollments that lack it; each slice then
    recounts up to `limit` open assignments, in id order after `after` (modules added or removed,
    new due days). Returns where the next slice starts, or None when the course is done."""
    course = (await session.execute(select(COURSES).where(COURSES.c.id == course_id))).first()
    if course is None:
        return None
    if after is None:
        await reconcile(session, scope=Scope(program_id=course.program_id, role=course.role), now=now)
        # Completed assignments stay completed; their per-module standing follows the new modules.
        await refresh_per_module(
            session, condition=and_(ASSIGNMENTS.c.course_id == course_id, ASSIGNMENTS.c.status == COMPLETED)
        )
    query = (
        select(ASSIGNMENTS.c.id)
        .where(ASSIGNMENTS.c.course_id == course_id, ASSIGNMENTS.c.status == ASSIGNED)
        .order_by(ASSIGNMENTS.c.id)
        .limit(limit)
        .with_for_update()
    )
    if after is not None:
        query = query.where(ASSIGNMENTS.c.id > after)
    locked = list((await session.execute(query)).scalars().all())
    if not locked:
        return None
    await _publish_recounted(session, await _recount(session, ids=locked, now=now), now=now)
    return locked[-1] if len(locked) == limit else None


async def apply_gates(
    session: AsyncSession, *, program_id: uuid.UUID, roles: Sequence[str], now: datetime
) -> int:
    """Publish every assignment of a program's `roles` again after its readiness gate changed (its
    `required_for_matching` did); how many."""
    rows = (
        await session.execute(
            update(ASSIGNMENTS)
            .where(
                ASSIGNMENTS.c.program_id == program_id,
                ASSIGNMENTS.c.role.in_(list(roles)),
                ASSIGNMENTS.c.status != CLOSED,
            )
            .values(version=ASSIGNMENTS.c.version + 1)
            .returning(ASSIGNMENTS)
        )
    ).all()
    gates = await gates_of(session, {program_id})
    await publish(
        session,
        [
            TrainingAssignmentUpdated(
                assignment=progress_of(row, gates=gates, now=now), changed=["required_for_matching"]
            )
            for row in rows
        ],
    )
    return len(rows)


async def progress_after_completion(
    session: AsyncSession,
    *,
    person_id: uuid.UUID,
    module_id: uuid.UUID,
    module_version: int,
    score: float | None,
    now: datetime,
) -> list[Any]:
    """Recount the person's open assignments whose course has the module they just completed,
    publishing `module_completed` for each (and `completed` for a course now complete)."""
    locked = list(
        (
            await session.execute(
                select(ASSIGNMENTS.c.id)
                .where(
                    ASSIGNMENTS.c.person_id == person_id,
                    ASSIGNMENTS.c.status == ASSIGNED,
                    ASSIGNMENTS.c.course_id.in_(
                        select(COURSE_MODULES.c.course_id).where(COURSE_MODULES.c.module_id == module_id)
                    ),
                )
                .order_by(ASSIGNMENTS.c.id)
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    if not locked:
        return []
    rows = await _recount(session, ids=locked, now=now)
    gates = await gates_of(session, {row.program_id for row in rows})
    events: list[Event] = []
    for row in rows:
        state = progress_of(row, gates=gates, now=now)
        events.append(
            TrainingModuleCompleted(
                assignment=state, module_id=module_id, module_version=module_version, score=score
            )
        )
        if row.status == COMPLETED:
            events.append(TrainingCompleted(assignment=state))
    await publish(session, events)
    return rows


async def refresh_per_module(session: AsyncSession, *, condition: ColumnElement[bool]) -> None:
    """Recompute the per-module standing (`module_done`, `module_scores`) of the assignments
    matching `condition`, and nothing else (a better score changes no count and no state)."""
    flags, scores = _per_module(ASSIGNMENTS.c.course_id, ASSIGNMENTS.c.person_id)
    await session.execute(
        update(ASSIGNMENTS).where(condition).values(module_done=flags, module_scores=scores)
    )


async def rescore(session: AsyncSession, *, person_id: uuid.UUID, module_id: uuid.UUID) -> None:
    """After an attempt: the person's best score in the module, in every assignment that has it."""
    await refresh_per_module(
        session,
        condition=and_(
            ASSIGNMENTS.c.person_id == person_id,
            ASSIGNMENTS.c.status != CLOSED,
            ASSIGNMENTS.c.course_id.in_(
                select(COURSE_MODULES.c.course_id).where(COURSE_MODULES.c.module_id == module_id)
            ),
        ),
    )


async def mark_overdue(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Report up to `limit` unfinished assignments past their due time as overdue, once each."""
    due = (
        select(ASSIGNMENTS.c.id)
        .where(
            ASSIGNMENTS.c.status == ASSIGNED, ASSIGNMENTS.c.overdue_at.is_(None), ASSIGNMENTS.c.due_at <= now
        )
        .order_by(ASSIGNMENTS.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            update(ASSIGNMENTS)
            .where(ASSIGNMENTS.c.id.in_(due))
            .values(overdue_at=now, version=ASSIGNMENTS.c.version + 1)
            .returning(ASSIGNMENTS)
        )
    ).all()
    gates = await gates_of(session, {row.program_id for row in rows})
    await publish(
        session, [TrainingOverdue(assignment=progress_of(row, gates=gates, now=now)) for row in rows]
    )
    return len(rows)


# --- what the events carry -----------------------------------------------------------------------


Gates = dict[uuid.UUID, tuple[bool, bool]]


async def gates_of(session: AsyncSession, program_ids: set[uuid.UUID]) -> Gates:
    """(mentors must complete, mentees must complete) of each program that has gates."""
    if not program_ids:
        return {}
    rows = await session.execute(
        select(GATES.c.program_id, GATES.c.mentors_must_complete, GATES.c.mentees_must_complete).where(
            GATES.c.program_id.in_(list(program_ids))
        )
    )
    return {row.program_id: (row.mentors_must_complete, row.mentees_must_complete) for row in rows}


def required(gates: Gates, program_id: uuid.UUID, role: str) -> bool:
    mentors, mentees = gates.get(program_id, (False, False))
    return mentors if role == "mentor" else mentees


def progress_of(row: Any, *, gates: Gates, now: datetime) -> AssignmentProgress:
    """The event state of an assignment row."""
    gated = required(gates, row.program_id, row.role)
    return AssignmentProgress(
        id=row.id,
        organization=row.organization,
        version=row.version,
        program_id=row.program_id,
        person_id=row.person_id,
        role=row.role,
        enrollment_id=row.enrollment_id,
        course_id=row.course_id,
        status=row.status,
        modules_done=row.modules_done,
        modules_total=row.modules_total,
        required_for_matching=gated,
        ready_for_matching=row.status == COMPLETED or not gated,
        overdue=row.status == ASSIGNED and row.due_at <= now,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
        completed_at=row.completed_at,
        closed_reason=row.closed_reason,
    )


async def publish(session: AsyncSession, events: Sequence[Event]) -> None:
    """Record assignment events in the outbox (one batched insert), subject = assignment id."""
    if events:
        await outbox.add_many(
            session,
            [
                (event, event.assignment.organization, str(event.assignment.id))  # type: ignore[attr-defined]
                for event in events
            ],
        )
