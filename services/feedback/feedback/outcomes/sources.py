"""Reading an organization's stored history for its outcome report, and a fingerprint of it.

Everything comes from feedback's own schema: read models built from profiles, matching,
scheduling, workspace and training events, and feedback's answers and match health. Sessions,
answers, goals and assignments arrive pre-summed per program and month (a few thousand rows
whatever the volume); people's profile versions and the enrollments and matches arrive as rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, and_, cast, func, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.matches import LIVE_MATCH
from feedback.models import (
    ENROLLMENTS,
    GOALS,
    HEALTH,
    MATCHES,
    OUTCOME_SETTINGS,
    PEOPLE,
    PERSON_VERSIONS,
    PROGRAMS,
    SESSIONS,
    SUBMISSIONS,
    TRAINING_ASSIGNMENTS,
)
from feedback.outcomes.careers import VersionColumns, careers_from_columns, day_number
from feedback.outcomes.history import (
    EnrollmentRecord,
    MatchRecord,
    MonthActivity,
    OrganizationHistory,
    ProgramActivity,
    ProgramRecord,
)
from feedback.rollups import DETRACTOR_UP_TO, PROMOTER_FROM
from shared.contracts.scheduling import SessionStatus
from shared.contracts.training import AssignmentStatus
from shared.contracts.workspace import GoalStatus

RECENT = timedelta(days=28)
# (set, done, done per month) fields of ProgramActivity and MonthActivity.
GOAL_FIELDS = ("goals_set", "goals_done", "goals_completed")
TRAINING_FIELDS = ("training_assigned", "training_completed", "trainings_completed")


def _month(moment: Any) -> Any:
    return cast(func.date_trunc("month", func.timezone("UTC", moment)), Date)


async def load_history(session: AsyncSession, *, organization: str, now: datetime) -> OrganizationHistory:
    """The organization's history as of `now` (read it in one snapshot: see `recompute`)."""
    programs = [
        ProgramRecord(
            id=row.id,
            name=row.name,
            objective=row.objective,
            status=row.status,
            cohort_start=row.cohort_start,
            cohort_end=row.cohort_end,
            session_cadence=row.session_cadence,
        )
        for row in await session.execute(
            select(PROGRAMS).where(PROGRAMS.c.organization == organization).order_by(PROGRAMS.c.id)
        )
    ]
    program_ids = [program.id for program in programs]
    enrollments = [
        EnrollmentRecord(
            program_id=row.program_id,
            person_id=row.person_id,
            role=row.role,
            status=row.status,
            enrolled_day=day_number(row.enrolled_at),
            left_day=day_number(row.left_at) if row.left_at else None,
            capacity=int(row.capacity or 0),
        )
        for row in await session.execute(
            select(
                ENROLLMENTS.c.program_id,
                ENROLLMENTS.c.person_id,
                ENROLLMENTS.c.role,
                ENROLLMENTS.c.status,
                ENROLLMENTS.c.enrolled_at,
                ENROLLMENTS.c.left_at,
                func.coalesce(ENROLLMENTS.c.mentor_capacity, PEOPLE.c.mentor_capacity, 0).label("capacity"),
            )
            .outerjoin(PEOPLE, PEOPLE.c.id == ENROLLMENTS.c.person_id)
            .where(ENROLLMENTS.c.program_id.in_(program_ids))
        )
    ]
    matches = [
        MatchRecord(
            program_id=row.program_id,
            mentee_id=row.mentee_id,
            mentor_id=row.mentor_id,
            live=row.status in LIVE_MATCH,
            started_day=day_number(row.started_at) if row.started_at else None,
        )
        for row in await session.execute(
            select(
                MATCHES.c.program_id,
                MATCHES.c.mentee_id,
                MATCHES.c.mentor_id,
                MATCHES.c.status,
                MATCHES.c.started_at,
            ).where(MATCHES.c.organization == organization)
        )
    ]
    activity: dict[uuid.UUID, ProgramActivity] = defaultdict(ProgramActivity)
    months: dict[tuple[uuid.UUID, date], MonthActivity] = defaultdict(MonthActivity)
    sources: set[str] = set()
    if matches:
        sources.add("matching")

    completed = and_(
        SESSIONS.c.organization == organization, SESSIONS.c.status == SessionStatus.COMPLETED.value
    )
    for row in await session.execute(
        select(
            SESSIONS.c.program_id,
            _month(SESSIONS.c.start).label("month"),
            func.count().label("held"),
            func.count().filter(SESSIONS.c.start >= now - RECENT).label("recent"),
        )
        .where(completed)
        .group_by(SESSIONS.c.program_id, "month")
    ):
        activity[row.program_id].sessions_held += row.held
        activity[row.program_id].sessions_held_28d += row.recent
        months[(row.program_id, row.month)].sessions_held += row.held
    first_sessions = {
        (row.program_id, row.mentee_id): day_number(row.first)
        for row in await session.execute(
            select(SESSIONS.c.program_id, SESSIONS.c.mentee_id, func.min(SESSIONS.c.start).label("first"))
            .where(completed)
            .group_by(SESSIONS.c.program_id, SESSIONS.c.mentee_id)
        )
    }
    if first_sessions or await session.scalar(
        select(literal(True)).where(SESSIONS.c.organization == organization).limit(1)
    ):
        sources.add("scheduling")

    bucket = func.least(cast(func.floor(HEALTH.c.score / 20), Integer), 4)
    for row in await session.execute(
        select(
            HEALTH.c.program_id,
            bucket.label("bucket"),
            func.count().label("matches"),
            func.count().filter(HEALTH.c.at_risk.is_(True)).label("at_risk"),
        )
        .join(MATCHES, MATCHES.c.id == HEALTH.c.match_id)
        .where(
            MATCHES.c.organization == organization,
            MATCHES.c.status.in_(LIVE_MATCH),
            HEALTH.c.final.is_(False),
            HEALTH.c.score.is_not(None),
        )
        .group_by(HEALTH.c.program_id, "bucket")
    ):
        activity[row.program_id].health[int(row.bucket)] += row.matches
        activity[row.program_id].at_risk += row.at_risk

    # Goals: dropped ones count as set and not attained. Assignments: closed ones (the person left
    # the program unfinished) count in neither, as in program analytics.
    for table, counted, done_status, at, source, names in (
        (GOALS, true(), GoalStatus.DONE.value, GOALS.c.completed_at, "workspace", GOAL_FIELDS),
        (
            TRAINING_ASSIGNMENTS,
            TRAINING_ASSIGNMENTS.c.status != AssignmentStatus.CLOSED.value,
            AssignmentStatus.COMPLETED.value,
            TRAINING_ASSIGNMENTS.c.completed_at,
            "training",
            TRAINING_FIELDS,
        ),
    ):
        set_name, done_name, month_name = names
        for row in await session.execute(
            select(
                table.c.program_id,
                _month(at).label("month"),
                func.count().filter(counted).label("rows"),
                func.count().filter(table.c.status == done_status).label("done"),
            )
            .where(table.c.organization == organization)
            .group_by(table.c.program_id, "month")
        ):
            sources.add(source)
            program = activity[row.program_id]
            setattr(program, set_name, getattr(program, set_name) + row.rows)
            setattr(program, done_name, getattr(program, done_name) + row.done)
            if row.month is not None:
                month = months[(row.program_id, row.month)]
                setattr(month, month_name, getattr(month, month_name) + row.done)

    for row in await session.execute(
        select(
            SUBMISSIONS.c.program_id,
            _month(SUBMISSIONS.c.submitted_at).label("month"),
            func.coalesce(func.sum(SUBMISSIONS.c.satisfaction), 0).label("satisfaction_sum"),
            func.coalesce(func.sum(SUBMISSIONS.c.satisfaction * SUBMISSIONS.c.satisfaction), 0).label(
                "squares"
            ),
            func.count(SUBMISSIONS.c.satisfaction).label("satisfaction_count"),
            func.count().filter(SUBMISSIONS.c.nps >= PROMOTER_FROM).label("promoters"),
            func.count()
            .filter(SUBMISSIONS.c.nps.between(DETRACTOR_UP_TO + 1, PROMOTER_FROM - 1))
            .label("passives"),
            func.count().filter(SUBMISSIONS.c.nps <= DETRACTOR_UP_TO).label("detractors"),
        )
        .where(SUBMISSIONS.c.program_id.in_(program_ids))
        .group_by(SUBMISSIONS.c.program_id, "month")
    ):
        sources.add("feedback")
        program, month = activity[row.program_id], months[(row.program_id, row.month)]
        for target in (program, month):
            target.satisfaction_sum += float(row.satisfaction_sum)
            target.satisfaction_count += row.satisfaction_count
            target.promoters += row.promoters
            target.passives += row.passives
            target.detractors += row.detractors
        program.satisfaction_squares += float(row.squares)

    columns = await _profile_versions(session, organization=organization)
    if columns.person_ids:
        sources.add("profiles")
    return OrganizationHistory(
        organization=organization,
        as_of=now.date(),
        careers=await asyncio.to_thread(careers_from_columns, columns),  # CPU work: off the event loop
        programs=programs,
        enrollments=enrollments,
        matches=matches,
        activity=dict(activity),
        months=dict(months),
        first_sessions=first_sessions,
        sources=sources,
    )


# Every profile version of the organization in person and version order, days since 1970: read
# through the driver (100,000s of rows of a few columns; no object per row in Python).
_VERSIONS = """
SELECT person_id,
       (changed_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS day,
       (joined_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS joined_day,
       active, department, seniority, title, time_zone_region, skill_rose
FROM feedback.person_versions
WHERE organization = $1
ORDER BY person_id, version
"""


async def _profile_versions(session: AsyncSession, *, organization: str) -> VersionColumns:
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    rows = await driver.fetch(_VERSIONS, organization)
    return VersionColumns(*(list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 9)


async def fingerprint(session: AsyncSession, *, organization: str) -> str:
    """A digest of everything the report is computed from (but match health, which time alone
    moves): it changes whenever a row is added or a row's version rises."""
    parts = []
    for name, table, versioned in (
        ("programs", PROGRAMS, True),
        ("matches", MATCHES, True),
        ("sessions", SESSIONS, True),
        ("goals", GOALS, True),
        ("training", TRAINING_ASSIGNMENTS, True),
        ("people", PERSON_VERSIONS, False),
        ("answers", SUBMISSIONS, False),
        ("settings", OUTCOME_SETTINGS, True),
    ):
        version = func.coalesce(func.sum(table.c.version), 0) if versioned else literal(0)
        parts.append(
            select(literal(name).label("part"), func.count().label("rows"), version.label("versions")).where(
                table.c.organization == organization
            )
        )
    parts.append(
        select(
            literal("enrollments").label("part"),
            func.count().label("rows"),
            func.coalesce(func.sum(ENROLLMENTS.c.version), 0).label("versions"),
        ).where(
            ENROLLMENTS.c.program_id.in_(select(PROGRAMS.c.id).where(PROGRAMS.c.organization == organization))
        )
    )
    rows = (await session.execute(union_all(*parts))).all()
    text = ";".join(f"{row.part}:{row.rows}:{row.versions}" for row in sorted(rows, key=lambda row: row.part))
    return hashlib.sha256(text.encode()).hexdigest()
