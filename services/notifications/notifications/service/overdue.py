"""Reminders the events do not carry: overdue feedback, and goals whose target date nears.

Overdue feedback: a request still unanswered at its due time gets one reminder.

Feedback publishes when a request opens and when it is answered, not when it falls due, so the
reminder comes from here: a job finds open requests past their due time and notifies the
respondent once (the request is marked reminded in the same transaction).

Goals: workspace publishes a goal's target date, not its approach; a job tells the mentee once,
`GOAL_NOTICE_DAYS` before the date (again if the date moves), unless the goal is done or dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import queries
from notifications.handlers import feedback_context
from notifications.models import FeedbackRequest, Goal
from notifications.service.notices import Notice, notify


async def remind_overdue(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    rows = (
        (
            await session.execute(
                select(FeedbackRequest)
                .where(~FeedbackRequest.answered, ~FeedbackRequest.reminded, FeedbackRequest.due_at <= now)
                .order_by(FeedbackRequest.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    notices = []
    for row in rows:
        row.reminded = True
        context = await feedback_context(
            session, match_id=row.match_id, program_id=row.program_id, respondent_id=row.respondent_id
        )
        notices.append(
            Notice(
                organization=row.organization,
                person_id=row.respondent_id,
                kind="feedback_overdue",
                source_key=f"overdue:{row.id}",
                context={**context, "request_id": str(row.id), "due_at": row.due_at.isoformat()},
            )
        )
    await notify(session, notices, now=now)
    return len(rows)


GOAL_NOTICE_DAYS = 3


async def remind_goals(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    horizon = (now + timedelta(days=GOAL_NOTICE_DAYS)).date()
    rows = (
        (
            await session.execute(
                select(Goal)
                .where(
                    Goal.status.not_in(["done", "dropped"]),
                    Goal.target_date.is_not(None),
                    Goal.target_date <= horizon,
                    Goal.target_date >= now.date(),
                    Goal.reminded_for.is_distinct_from(Goal.target_date),
                )
                .order_by(Goal.target_date)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    notices = []
    for row in rows:
        assert row.target_date is not None
        row.reminded_for = row.target_date
        notices.append(
            Notice(
                organization=row.organization,
                person_id=row.mentee_id,
                kind="goal_due_soon",
                source_key=f"goal:{row.id}:{row.target_date.isoformat()}",
                context={
                    "program_name": await queries.program_name(session, row.program_id),
                    "match_id": str(row.match_id),
                    "goal_id": str(row.id),
                    "target_date": row.target_date.isoformat(),
                    "percent": row.percent,
                },
            )
        )
    await notify(session, notices, now=now)
    return len(rows)
