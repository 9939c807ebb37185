"""A circle's workspace: its shared goals (set by its facilitators), each member's personal goals,
and its conversation. Members, present and past, read it; only active members write, and only
while the circle runs. Personal goals show to their owner and the circle's facilitators; the
conversation to the circle's members alone (admins included out, as for pairs).

Every change writes its event (ids and numbers only, never a title or a message) in the same
transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.matching import CircleState, CircleStatus
from shared.contracts.workspace import (
    CircleGoalCreated,
    CircleGoalProgressed,
    CircleGoalState,
    CircleMessagePosted,
    GoalStatus,
)
from shared.errors import Problem, not_found
from shared.outbox import Outbox
from shared.pagination import keyset_page
from shared.read_models import upsert_circle_members, upsert_if_newer
from workspace.access import person_id_of
from workspace.models import CIRCLE_MEMBERS, CIRCLES, CircleGoal, CircleMessage, messaging

OUTBOX = Outbox(messaging.outbox)
FACILITATOR = "facilitator"


async def apply_circle(session: AsyncSession, circle: CircleState) -> None:
    """A circle's latest state and its members (matching's accepted, member left, ended events)."""
    applied = await upsert_if_newer(
        session,
        CIRCLES,
        {
            "id": circle.id,
            "organization": circle.organization,
            "program_id": circle.program_id,
            "topic": circle.topic,
            "open": circle.status == CircleStatus.ACCEPTED,
            "version": circle.version,
        },
        key=["id"],
    )
    if applied:
        await upsert_circle_members(session, CIRCLE_MEMBERS, circle)


@dataclass(frozen=True)
class CircleAccess:
    circle: Any
    person_id: uuid.UUID
    role: str
    active: bool

    @property
    def facilitates(self) -> bool:
        return self.role == FACILITATOR

    def writable(self) -> CircleAccess:
        """409 once the circle ended, 403 for a member who left it."""
        if not self.circle.open:
            raise Problem(409, "the circle has ended: its workspace is read-only", slug="circle-closed")
        if not self.active:
            raise Problem(403, "you left this circle: its workspace is read-only to you")
        return self


async def member_access(session: AsyncSession, caller: Principal, circle_id: uuid.UUID) -> CircleAccess:
    """The caller's place in the circle; 404 for anyone who never was in it (admins included)."""
    person = person_id_of(caller)
    row = (
        await session.execute(
            select(CIRCLES, CIRCLE_MEMBERS.c.role, CIRCLE_MEMBERS.c.active)
            .join(CIRCLE_MEMBERS, CIRCLE_MEMBERS.c.circle_id == CIRCLES.c.id)
            .where(
                CIRCLES.c.id == circle_id,
                CIRCLES.c.organization == caller.organization,
                CIRCLE_MEMBERS.c.person_id == person,
            )
        )
    ).first()
    if row is None or person is None:
        raise not_found("circle")
    return CircleAccess(circle=row, person_id=person, role=row.role, active=row.active)


def goal_state(goal: CircleGoal) -> CircleGoalState:
    return CircleGoalState.model_validate(goal, from_attributes=True)


def goal_document(goal: CircleGoal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "circle_id": goal.circle_id,
        "owner_id": goal.owner_id,
        "shared": goal.owner_id is None,
        "title": goal.title,
        "status": goal.status,
        "percent": goal.percent,
        "created_by": goal.created_by,
        "version": goal.version,
        "created_at": goal.created_at,
        "updated_at": goal.updated_at,
    }


async def create_goal(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, title: str, shared: bool, now: datetime
) -> CircleGoal:
    """A facilitator sets a shared goal; a member a personal goal of their own."""
    access = (await member_access(session, caller, circle_id)).writable()
    if shared and not access.facilitates:
        raise Problem(403, "a circle's shared goals are set by its facilitators")
    goal = CircleGoal(
        id=uuid.uuid4(),
        organization=access.circle.organization,
        circle_id=circle_id,
        program_id=access.circle.program_id,
        owner_id=None if shared else access.person_id,
        title=title,
        status=GoalStatus.NOT_STARTED.value,
        percent=0,
        created_by=access.person_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    await session.flush()
    await OUTBOX.add(
        session,
        CircleGoalCreated(goal=goal_state(goal)),
        organization=goal.organization,
        subject=str(goal.id),
    )
    return goal


def _may_see(access: CircleAccess, goal: CircleGoal) -> bool:
    return goal.owner_id is None or goal.owner_id == access.person_id or access.facilitates


async def progress_goal(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    goal_id: uuid.UUID,
    status: GoalStatus | None,
    percent: int | None,
    if_match: str | None,
    now: datetime,
) -> CircleGoal:
    """Its owner moves a personal goal; a facilitator a shared one (If-Match required)."""
    access = await member_access(session, caller, circle_id)
    goal = await session.scalar(
        select(CircleGoal)
        .where(CircleGoal.id == goal_id, CircleGoal.circle_id == circle_id)
        .with_for_update()
    )
    if goal is None or not _may_see(access, goal):
        raise not_found("goal")
    access.writable()
    mine = goal.owner_id == access.person_id or (goal.owner_id is None and access.facilitates)
    if not mine:
        raise Problem(403, "a personal goal is moved by its owner, a shared one by the facilitators")
    check_if_match(if_match, goal.version)
    if status is not None:
        goal.status = status.value
    if percent is not None:
        goal.percent = percent
    if goal.status == GoalStatus.DONE:
        goal.percent = 100
    goal.version += 1
    goal.updated_at = now
    await session.flush()
    await OUTBOX.add(
        session,
        CircleGoalProgressed(goal=goal_state(goal)),
        organization=goal.organization,
        subject=str(goal.id),
    )
    return goal


async def goals_of(session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID) -> list[CircleGoal]:
    access = await member_access(session, caller, circle_id)
    goals = await session.scalars(
        select(CircleGoal)
        .where(CircleGoal.circle_id == circle_id)
        .order_by(CircleGoal.created_at, CircleGoal.id)
    )
    return [goal for goal in goals if _may_see(access, goal)]


async def post_message(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, body: str, now: datetime
) -> CircleMessage:
    access = (await member_access(session, caller, circle_id)).writable()
    message = CircleMessage(
        id=uuid.uuid4(),
        organization=access.circle.organization,
        circle_id=circle_id,
        author_id=access.person_id,
        body=body,
        posted_at=now,
    )
    session.add(message)
    await session.flush()
    await OUTBOX.add(
        session,
        CircleMessagePosted(
            message_id=message.id, circle_id=circle_id, author_id=access.person_id, posted_at=now
        ),
        organization=message.organization,
        subject=str(circle_id),
    )
    return message


def message_document(message: CircleMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "circle_id": message.circle_id,
        "author_id": message.author_id,
        "body": message.body,
        "posted_at": message.posted_at,
    }


async def messages_page(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[CircleMessage], str | None]:
    """The conversation in posting order, for the circle's members only."""
    await member_access(session, caller, circle_id)
    query = select(CircleMessage).where(CircleMessage.circle_id == circle_id)
    return await keyset_page(
        session,
        query,
        key=(CircleMessage.posted_at, CircleMessage.id),
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
