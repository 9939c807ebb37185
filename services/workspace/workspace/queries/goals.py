"""Reads of goals: a pair's goals with their milestones, one goal, its progress history and comments."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.contracts.workspace import GoalStatus
from shared.errors import Problem, not_found
from shared.pagination import keyset_page
from workspace import local_dates
from workspace.access import PairAccess
from workspace.documents import (
    Document,
    comment_document,
    goal_document,
    milestone_document,
    progress_document,
)
from workspace.models import Goal, GoalComment, GoalProgress, Milestone, Person
from workspace.queries import visible_pair

Page = tuple[list[Document], str | None]


async def mentee_today(db: AsyncSession, access: PairAccess, now: datetime) -> date:
    """Today where the pair's mentee lives (their goals' dates are theirs)."""
    time_zone = await db.scalar(select(Person.time_zone).where(Person.id == access.mentee_id))
    return local_dates.today_in(time_zone, now)


async def with_milestones(db: AsyncSession, goals: Sequence[Any], *, today: date) -> list[Document]:
    """Goal documents with their milestones (one query for all of them)."""
    if not goals:
        return []
    rows = (
        await db.execute(
            select(Milestone.__table__)
            .where(Milestone.goal_id.in_([goal.id for goal in goals]))
            .order_by(Milestone.goal_id, Milestone.position)
        )
    ).all()
    by_goal: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        by_goal[row.goal_id].append(row)
    return [goal_document(goal, by_goal.get(goal.id, ()), today=today) for goal in goals]


async def list_goals(
    db: AsyncSession,
    *,
    access: PairAccess,
    now: datetime,
    status: GoalStatus | None,
    proposals: bool,
    limit: int,
    cursor: str | None,
) -> Page:
    """The pair's goals, oldest first: the mentee's own, or (`proposals`) the mentor's proposals."""
    query = select(Goal.__table__).where(Goal.match_id == access.match_id)
    query = (
        query.where(Goal.proposal.is_not(None), Goal.adopted.is_(False))
        if proposals
        else query.where(Goal.adopted)
    )
    if status is not None:
        query = query.where(Goal.status == status.value)
    rows, next_cursor = await keyset_page(
        db, query, key=(Goal.created_at, Goal.id), limit=limit, cursor=cursor
    )
    return await with_milestones(db, rows, today=await mentee_today(db, access, now)), next_cursor


async def goal_row(db: AsyncSession, *, caller: Principal, goal_id: uuid.UUID) -> tuple[PairAccess, Any]:
    """A goal the caller may see (one of their pair's, or any of the organization's for admins)."""
    row = (
        await db.execute(
            select(Goal.__table__).where(Goal.id == goal_id, Goal.organization == caller.organization)
        )
    ).first()
    if row is None:
        raise not_found("goal")
    try:
        access = await visible_pair(db, caller=caller, match_id=row.match_id)
    except Problem as exc:
        raise not_found("goal") from exc
    return access, row


async def goal(db: AsyncSession, *, caller: Principal, goal_id: uuid.UUID, now: datetime) -> Document:
    access, row = await goal_row(db, caller=caller, goal_id=goal_id)
    (document,) = await with_milestones(db, [row], today=await mentee_today(db, access, now))
    return document


async def progress_history(
    db: AsyncSession, *, caller: Principal, goal_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """A goal's progress entries, oldest first (the history is never rewritten)."""
    await goal_row(db, caller=caller, goal_id=goal_id)
    rows, next_cursor = await keyset_page(
        db,
        select(GoalProgress.__table__).where(GoalProgress.goal_id == goal_id),
        key=(GoalProgress.recorded_at, GoalProgress.id),
        limit=limit,
        cursor=cursor,
    )
    return [progress_document(row) for row in rows], next_cursor


async def comments(
    db: AsyncSession, *, caller: Principal, goal_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    await goal_row(db, caller=caller, goal_id=goal_id)
    rows, next_cursor = await keyset_page(
        db,
        select(GoalComment.__table__).where(GoalComment.goal_id == goal_id),
        key=(GoalComment.created_at, GoalComment.id),
        limit=limit,
        cursor=cursor,
    )
    return [comment_document(row) for row in rows], next_cursor


async def milestone(db: AsyncSession, *, milestone_id: uuid.UUID) -> Document:
    """A milestone the caller was just allowed to change."""
    row = (await db.execute(select(Milestone.__table__).where(Milestone.id == milestone_id))).one()
    return milestone_document(row)
