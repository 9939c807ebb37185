"""A pair's workspace: opened and closed from events, locked for every change, and its summary row
kept current in the transaction of each change it counts.

A workspace is open while its match is accepted or active and neither member is deactivated;
otherwise it is closed (read-only; nothing is deleted). That is a function of the read models
alone, so whatever order the events arrive in, the workspace ends up in the same state.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.contracts.matching import MatchStatus
from workspace.access import PairAccess, pair_access
from workspace.models import MATCHES, PEOPLE, WORKSPACES, ClosedReason, Match, Workspace, WorkspaceStatus

LIVE_MATCH = frozenset({MatchStatus.ACCEPTED.value, MatchStatus.ACTIVE.value})


def decide_status(match_status: str, *, members_active: bool) -> tuple[WorkspaceStatus, ClosedReason | None]:
    """Open while the match is live and both members are active; else closed, and why."""
    if match_status not in LIVE_MATCH:
        return WorkspaceStatus.CLOSED, ClosedReason.MATCH_ENDED
    if not members_active:
        return WorkspaceStatus.CLOSED, ClosedReason.MEMBER_DEACTIVATED
    return WorkspaceStatus.OPEN, None


async def sync_workspace(session: AsyncSession, *, match_id: uuid.UUID, now: datetime) -> None:
    """Bring a pair's workspace in line with its match and its members (creating it the first
    time its match is seen). Core statements only: a consumer applies a batch of events in one
    session, and each must see what the previous ones wrote."""
    match = (await session.execute(select(MATCHES).where(MATCHES.c.id == match_id))).first()
    if match is None:
        return
    inactive = await session.scalar(
        select(PEOPLE.c.id)
        .where(PEOPLE.c.id.in_([match.mentor_id, match.mentee_id]), PEOPLE.c.active.is_(False))
        .limit(1)
    )
    status, reason = decide_status(match.status, members_active=inactive is None)
    is_open = status is WorkspaceStatus.OPEN
    await session.execute(
        insert(WORKSPACES)
        .values(
            match_id=match.id,
            organization=match.organization,
            program_id=match.program_id,
            mentor_id=match.mentor_id,
            mentee_id=match.mentee_id,
            status=status.value,
            closed_reason=reason.value if reason else None,
            opened_at=now if is_open else None,
            closed_at=None if is_open else now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[WORKSPACES.c.match_id])
    )
    changed = WORKSPACES.c.status != status.value
    await session.execute(
        update(WORKSPACES)
        .where(
            WORKSPACES.c.match_id == match_id,
            changed | WORKSPACES.c.closed_reason.is_distinct_from(reason.value if reason else None),
        )
        .values(
            status=status.value,
            closed_reason=reason.value if reason else None,
            opened_at=func.coalesce(WORKSPACES.c.opened_at, now) if is_open else WORKSPACES.c.opened_at,
            closed_at=None if is_open else case((changed, now), else_=WORKSPACES.c.closed_at),
        )
    )


async def sync_workspaces_of(session: AsyncSession, *, person_id: uuid.UUID, now: datetime) -> None:
    """Re-decide every workspace a person is a member of (they were deactivated or came back)."""
    match_ids = (
        await session.scalars(
            select(Match.id)
            .where((Match.mentor_id == person_id) | (Match.mentee_id == person_id))
            .order_by(Match.id)  # a stable lock order across concurrent handlers
        )
    ).all()
    for match_id in match_ids:
        await sync_workspace(session, match_id=match_id, now=now)


async def lock_for_change(session: AsyncSession, *, caller: Principal, match_id: uuid.UUID) -> PairAccess:
    """The caller's access to a pair's workspace, locked until the transaction ends: every change
    to a pair takes this lock first, so the pair's changes apply one at a time."""
    row = (
        await session.execute(
            select(Workspace)
            .where(Workspace.match_id == match_id, Workspace.organization == caller.organization)
            .with_for_update()
        )
    ).scalar_one_or_none()
    return pair_access(caller, row)


async def refresh_goal_summary(session: AsyncSession, *, match_id: uuid.UUID) -> None:
    """Recount a pair's goals into its summary row (in the changing transaction)."""
    await session.flush()
    await session.execute(_GOAL_SUMMARY, {"match_id": match_id})


async def refresh_action_summary(session: AsyncSession, *, match_id: uuid.UUID) -> None:
    """Recount a pair's action items into its summary row (in the changing transaction)."""
    await session.flush()
    await session.execute(_ACTION_SUMMARY, {"match_id": match_id})


_GOAL_SUMMARY = text(
    """
    UPDATE workspace.workspaces AS w SET
        goals_total = g.total,
        goals_open = g.open,
        goals_done = g.done,
        goals_done_on_time = g.done_on_time,
        goals_at_risk = g.at_risk,
        goals_proposed = g.proposed,
        next_goal_target = g.next_target,
        milestones_total = m.total,
        milestones_reached = m.reached,
        milestones_reached_on_time = m.on_time
    FROM (
        SELECT
            count(*) FILTER (WHERE adopted) AS total,
            count(*) FILTER (WHERE adopted AND status NOT IN ('done', 'dropped')) AS open,
            count(*) FILTER (WHERE adopted AND status = 'done') AS done,
            count(*) FILTER (WHERE adopted AND status = 'done' AND completed_on_time) AS done_on_time,
            count(*) FILTER (WHERE adopted AND status = 'at_risk') AS at_risk,
            count(*) FILTER (WHERE proposal = 'pending') AS proposed,
            min(target_date) FILTER (WHERE adopted AND status NOT IN ('done', 'dropped')) AS next_target
        FROM workspace.goals WHERE match_id = :match_id
    ) AS g, (
        SELECT count(*) AS total, count(m.reached_at) AS reached,
               count(*) FILTER (WHERE m.reached_on_time) AS on_time
        FROM workspace.milestones AS m JOIN workspace.goals AS goal ON goal.id = m.goal_id
        WHERE m.match_id = :match_id AND goal.adopted
    ) AS m
    WHERE w.match_id = :match_id
    """
)

_ACTION_SUMMARY = text(
    """
    UPDATE workspace.workspaces AS w SET
        action_items_open = a.open,
        next_action_due_at = a.next_due
    FROM (
        SELECT count(*) FILTER (WHERE NOT done) AS open, min(due_at) FILTER (WHERE NOT done) AS next_due
        FROM workspace.action_items WHERE match_id = :match_id
    ) AS a
    WHERE w.match_id = :match_id
    """
)
