"""Reading a program's analytics: the weekly rollup plus a few interval counts, all in SQL.

Sessions and submissions are pre-summed per week (`program_weeks`), so their cost does not grow
with the number of feedback entries; what is counted here per week (live matches, waitlisted
mentees, matches at risk, mentors) is a handful of index scans over the program's matches,
enrollments and risk episodes. Training completion sits beside them: the program's counts as the
assignment events keep them (`training_counts`), and per week the assignments made and completed;
and goal attainment (workspace's goals: the share completed by their target date), for the program
and, across the organization's programs, by objective.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import analytics, cadence
from feedback.analytics import WeekCounts
from feedback.matches import LIVE_MATCH
from feedback.models import (
    ENROLLMENTS,
    EPISODES,
    GOALS,
    HEALTH,
    MATCHES,
    PEOPLE,
    PROGRAM_WEEKS,
    PROGRAMS,
    REQUESTS,
    TRAINING_ASSIGNMENTS,
    TRAINING_COUNTS,
)
from feedback.service.circles import circle_figures
from shared.contracts.feedback import RequestStatus
from shared.contracts.profiles import EnrollmentRole
from shared.contracts.training import AssignmentStatus
from shared.contracts.workspace import GoalStatus

Document = dict[str, Any]
WEEK = timedelta(days=7)


def _weeks_table(weeks: list[date]) -> Any:
    """The weeks as rows, with their bounds as UTC instants (the weeks are UTC weeks whatever the
    database session's time zone)."""
    return values(
        column("week_start", Date),
        column("week_begins", DateTime(timezone=True)),
        column("week_ends", DateTime(timezone=True)),
        name="weeks",
    ).data([(week, cadence.day_start(week), cadence.day_start(week) + WEEK) for week in weeks])


async def _counts_per_week(db: AsyncSession, statement: Any) -> dict[date, int]:
    return {row[0]: int(row[1]) for row in (await db.execute(statement)).all()}


async def _per_week(db: AsyncSession, **series: tuple[Any, Any]) -> dict[str, dict[date, int]]:
    """For each named (moment, condition): how many rows have the moment in each UTC week
    (Monday-based); rows without one are left out. One statement for all of them."""

    def bucketed(name: str, moment: Any, condition: Any) -> Any:
        week = cast(func.date_trunc("week", func.timezone("UTC", moment)), Date)
        return (
            select(literal(name).label("series"), week.label("week"), func.count().label("n"))
            .where(condition, moment.is_not(None))
            .group_by(week)
        )

    statement = union_all(
        *(bucketed(name, moment, condition) for name, (moment, condition) in series.items())
    )
    counts: dict[str, dict[date, int]] = {name: {} for name in series}
    for row in (await db.execute(statement)).all():
        counts[row.series][row.week] = int(row.n)
    return counts


async def program_analytics(
    db: AsyncSession, *, organization: str, program_id: uuid.UUID, now: datetime
) -> Document | None:
    """The program's analytics per week over its cohort (up to this week), with a summary."""
    program = (
        await db.execute(
            select(PROGRAMS).where(PROGRAMS.c.id == program_id, PROGRAMS.c.organization == organization)
        )
    ).first()
    if program is None:
        return None
    last_day = min(program.cohort_end, now.date())
    weeks = cadence.weeks(program.cohort_start, max(last_day, program.cohort_start))
    rollup_rows = (
        await db.execute(
            select(PROGRAM_WEEKS).where(
                PROGRAM_WEEKS.c.program_id == program_id,
                PROGRAM_WEEKS.c.week_start >= weeks[0],
                PROGRAM_WEEKS.c.week_start <= weeks[-1],
            )
        )
    ).all()
    rollups = {row.week_start: row._asdict() for row in rollup_rows}

    # Live matches, mentors and waiting mentees per week come from when each one began and ended,
    # counted per week in SQL (a few dozen rows, one round trip) and accumulated in Python.
    is_mentor = and_(
        ENROLLMENTS.c.program_id == program_id, ENROLLMENTS.c.role == EnrollmentRole.MENTOR.value
    )
    first_match = (
        select(MATCHES.c.mentee_id, func.min(MATCHES.c.started_at).label("first_start"))
        .where(MATCHES.c.program_id == program_id, MATCHES.c.started_at.is_not(None))
        .group_by(MATCHES.c.mentee_id)
        .subquery("first_match")
    )
    # A mentee waits from enrolling until matched or gone, whichever comes first.
    # (LEAST and GREATEST skip NULLs: a mentee still waiting has no end, not the enrollment's start.)
    waited_until = func.least(ENROLLMENTS.c.left_at, first_match.c.first_start)
    stopped_waiting = case(
        (waited_until.is_(None), None), else_=func.greatest(waited_until, ENROLLMENTS.c.enrolled_at)
    )
    waiting_mentees = (
        select(stopped_waiting.label("stopped_waiting"))
        .outerjoin(first_match, first_match.c.mentee_id == ENROLLMENTS.c.person_id)
        .where(ENROLLMENTS.c.program_id == program_id, ENROLLMENTS.c.role == EnrollmentRole.MENTEE.value)
        .subquery("waiting_mentees")
    )
    is_mentee = and_(
        ENROLLMENTS.c.program_id == program_id, ENROLLMENTS.c.role == EnrollmentRole.MENTEE.value
    )
    buckets = await _per_week(
        db,
        matches_begun=(MATCHES.c.started_at, MATCHES.c.program_id == program_id),
        matches_ended=(
            MATCHES.c.ended_at,
            and_(MATCHES.c.program_id == program_id, MATCHES.c.started_at.is_not(None)),
        ),
        mentors_joined=(ENROLLMENTS.c.enrolled_at, is_mentor),
        mentors_left=(ENROLLMENTS.c.left_at, is_mentor),
        mentees_enrolled=(ENROLLMENTS.c.enrolled_at, is_mentee),
        mentees_done_waiting=(waiting_mentees.c.stopped_waiting, true()),
        training_assigned=(
            TRAINING_ASSIGNMENTS.c.assigned_at,
            and_(
                TRAINING_ASSIGNMENTS.c.program_id == program_id,
                TRAINING_ASSIGNMENTS.c.status != AssignmentStatus.CLOSED.value,
            ),
        ),
        training_completed=(
            TRAINING_ASSIGNMENTS.c.completed_at,
            and_(
                TRAINING_ASSIGNMENTS.c.program_id == program_id,
                TRAINING_ASSIGNMENTS.c.status == AssignmentStatus.COMPLETED.value,
            ),
        ),
    )

    week_table = _weeks_table(weeks)
    week_start = week_table.c.week_start
    episodes = (
        select(EPISODES.c.match_id, EPISODES.c.started_at, EPISODES.c.ended_at)
        .where(EPISODES.c.program_id == program_id)
        .cte("episodes")
    )
    at_risk = await _counts_per_week(
        db,
        select(week_start, func.count(func.distinct(episodes.c.match_id)))
        .select_from(week_table)
        .outerjoin(
            episodes,
            and_(
                episodes.c.started_at < week_table.c.week_ends,
                or_(episodes.c.ended_at.is_(None), episodes.c.ended_at >= week_table.c.week_begins),
            ),
        )
        .group_by(week_start),
    )
    active = analytics.overlapping(weeks, buckets["matches_begun"], buckets["matches_ended"])
    mentors = analytics.overlapping(weeks, buckets["mentors_joined"], buckets["mentors_left"])
    waiting = analytics.open_at_week_end(weeks, buckets["mentees_enrolled"], buckets["mentees_done_waiting"])
    trained = analytics.open_at_week_end(weeks, buckets["training_assigned"], {})
    completed = analytics.open_at_week_end(weeks, buckets["training_completed"], {})
    training = await _training(db, program_id=program_id)

    cadence_days = cadence.session_cadence_days(program.session_cadence)
    counts = [
        WeekCounts(
            week_start=week,
            rollup=rollups.get(week, {}),
            active_matches=active.get(week, 0),
            waitlisted_mentees=waiting.get(week, 0),
            at_risk=at_risk.get(week, 0),
            mentors=mentors.get(week, 0),
            training_assigned=trained.get(week, 0),
            training_completed=completed.get(week, 0),
            training_overdue=training["overdue"] if week == weeks[-1] else None,
        )
        for week in weeks
    ]
    rows = [analytics.week_row(week, session_cadence_days=cadence_days) for week in counts]
    current = await _current(db, program_id=program_id, now=now)
    return {
        "program_id": program.id,
        "program_name": program.name,
        "cohort_start": program.cohort_start,
        "cohort_end": program.cohort_end,
        "generated_at": now,
        "summary": {
            **analytics.summary(counts, rows, **current),
            "training": training,
            "goal_attainment": await _program_goal_attainment(db, program=program, now=now),
        },
        "weeks": rows,
        # Circles beside pairs: the weeks and summary count pairs; a program with circles adds them.
        "circles": await circle_figures(db, program_id=program_id, now=now),
    }


def _attainment_counts(today: date) -> tuple[Any, ...]:
    """Goals (dropped ones left out), done, done by their target date, and due (see
    `analytics.goal_attainment`), as aggregates over GOALS."""
    counted = GOALS.c.status != GoalStatus.DROPPED.value
    done = and_(counted, GOALS.c.status == GoalStatus.DONE.value)
    on_time = and_(done, GOALS.c.completed_on_time.is_(True))
    due = and_(counted, or_(GOALS.c.target_date < today, on_time))
    return (
        func.count().filter(counted).label("goals"),
        func.count().filter(done).label("done"),
        func.count().filter(on_time).label("done_on_time"),
        func.count().filter(due).label("due"),
    )


async def _program_goal_attainment(db: AsyncSession, *, program: Any, now: datetime) -> Document:
    """The program's goal attainment now: one index scan of its goals."""
    row = (
        await db.execute(select(*_attainment_counts(now.date())).where(GOALS.c.program_id == program.id))
    ).one()
    return analytics.goal_attainment(objective=program.objective, **row._asdict())


async def goal_attainment(
    db: AsyncSession, *, organization: str, now: datetime, program_id: uuid.UUID | None = None
) -> list[Document]:
    """Goal attainment of the organization's programs by objective (the objective the goal's
    events carry, else its program's), the objectives with goals only, in name order."""
    objective = func.coalesce(GOALS.c.objective, PROGRAMS.c.objective).label("objective")
    statement = (
        select(objective, *_attainment_counts(now.date()))
        .select_from(GOALS)
        .outerjoin(PROGRAMS, PROGRAMS.c.id == GOALS.c.program_id)
        .where(GOALS.c.organization == organization)
        .group_by(objective)
        .order_by(objective.asc().nulls_last())
    )
    if program_id is not None:
        statement = statement.where(GOALS.c.program_id == program_id)
    return [analytics.goal_attainment(**row._asdict()) for row in (await db.execute(statement)).all()]


async def _training(db: AsyncSession, *, program_id: uuid.UUID) -> Document:
    """The program's course assignments now: the counts training's events keep (`training_counts`)."""
    row = (
        await db.execute(
            select(TRAINING_COUNTS.c.assigned, TRAINING_COUNTS.c.completed, TRAINING_COUNTS.c.overdue).where(
                TRAINING_COUNTS.c.program_id == program_id
            )
        )
    ).first()
    return analytics.training(*(row or (0, 0, 0)))


async def _current(db: AsyncSession, *, program_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Counts as of now: live matches, waiting mentees, matches at risk, overdue requests, load."""
    live = (
        select(MATCHES.c.mentor_id, MATCHES.c.mentee_id)
        .where(MATCHES.c.program_id == program_id, MATCHES.c.status.in_(LIVE_MATCH))
        .cte("live")
    )
    ever_matched = select(MATCHES.c.mentee_id).where(
        MATCHES.c.program_id == program_id, MATCHES.c.started_at.is_not(None)
    )
    counts = (
        await db.execute(
            select(
                select(func.count()).select_from(live).scalar_subquery().label("active_matches"),
                select(func.count())
                .where(
                    ENROLLMENTS.c.program_id == program_id,
                    ENROLLMENTS.c.role == EnrollmentRole.MENTEE.value,
                    ENROLLMENTS.c.left_at.is_(None),
                    ENROLLMENTS.c.person_id.not_in(ever_matched),
                )
                .scalar_subquery()
                .label("waitlisted_mentees"),
                select(func.count())
                .where(HEALTH.c.program_id == program_id, HEALTH.c.at_risk.is_(True))
                .scalar_subquery()
                .label("at_risk"),
                select(func.count())
                .where(
                    REQUESTS.c.program_id == program_id,
                    REQUESTS.c.status == RequestStatus.OPEN.value,
                    REQUESTS.c.due_at < now,
                )
                .scalar_subquery()
                .label("overdue_requests"),
            )
        )
    ).one()
    per_mentor = (
        select(live.c.mentor_id, func.count().label("matches")).group_by(live.c.mentor_id).cte("per_mentor")
    )
    loads = (
        await db.execute(
            select(
                func.coalesce(per_mentor.c.matches, 0),
                func.coalesce(ENROLLMENTS.c.mentor_capacity, PEOPLE.c.mentor_capacity, 0),
            )
            .select_from(ENROLLMENTS)
            .outerjoin(per_mentor, per_mentor.c.mentor_id == ENROLLMENTS.c.person_id)
            .outerjoin(PEOPLE, PEOPLE.c.id == ENROLLMENTS.c.person_id)
            .where(
                ENROLLMENTS.c.program_id == program_id,
                ENROLLMENTS.c.role == EnrollmentRole.MENTOR.value,
                ENROLLMENTS.c.left_at.is_(None),
            )
        )
    ).all()
    return {
        **{name: int(value or 0) for name, value in counts._asdict().items()},
        "mentor_load": analytics.mentor_load([(int(m), int(c)) for m, c in loads]),
    }
