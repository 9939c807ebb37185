"""Reading a program's analytics: the weekly rollup plus a few interval counts, all in SQL.

Sessions and submissions are pre-summed per week (`program_weeks`), so their cost does not grow
with the number of feedback entries; what is counted here per week (live matches, waitlisted
mentees, matches at risk, mentors) is a handful of index scans over the program's matches,
enrollments and risk episodes.
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

from feedback import analytics, cadence
from feedback.analytics import WeekCounts
from feedback.models import ENROLLMENTS, EPISODES, HEALTH, MATCHES, PEOPLE, PROGRAM_WEEKS, PROGRAMS, REQUESTS
from feedback.opening import LIVE_MATCH
from feedback.store import Executor
from shared.contracts.feedback import RequestStatus
from shared.contracts.profiles import EnrollmentRole

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


async def _counts_per_week(db: Executor, statement: Any) -> dict[date, int]:
    return {row[0]: int(row[1]) for row in (await db.execute(statement)).all()}


async def _per_week(db: Executor, **series: tuple[Any, Any]) -> dict[str, dict[date, int]]:
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
    db: Executor, *, organization: str, program_id: uuid.UUID, now: datetime
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

    cadence_days = cadence.session_cadence_days(program.session_cadence)
    counts = [
        WeekCounts(
            week_start=week,
            rollup=rollups.get(week, {}),
            active_matches=active.get(week, 0),
            waitlisted_mentees=waiting.get(week, 0),
            at_risk=at_risk.get(week, 0),
            mentors=mentors.get(week, 0),
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
        "summary": analytics.summary(counts, rows, **current),
        "weeks": rows,
    }


async def _current(db: Executor, *, program_id: uuid.UUID, now: datetime) -> dict[str, Any]:
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
