"""A circle's workspace: its shared goals and each member's personal goals, and its conversation.
Only the circle's members (present and past) see it; other circles' members get a 404."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import etag
from shared.dependencies import Caller, Change, Creation, Reader
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes
from workspace.schemas import (
    CircleGoal,
    CircleGoalCreate,
    CircleGoalList,
    CircleGoalProgress,
    CircleMessage,
    CircleMessagePage,
    MessageCreate,
)
from workspace.service import circles

router = Routes("circles", "A circle's shared and personal goals and its conversation")


@router.reads("/circles/{circle_id}/goals", CircleGoalList, 404)
async def list_goals(circle_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """The circle's shared goals, and the personal goals you may see (yours; facilitators: all)"""
    goals = await circles.goals_of(db, caller=caller, circle_id=circle_id)
    return document_response(
        {
            "shared": [circles.goal_document(goal) for goal in goals if goal.owner_id is None],
            "personal": [circles.goal_document(goal) for goal in goals if goal.owner_id is not None],
        }
    )


@router.creates("/circles/{circle_id}/goals", CircleGoal, 403, 404, 409)
async def create_goal(
    circle_id: uuid.UUID,
    body: CircleGoalCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Set a shared goal of the circle (facilitators) or a personal goal of your own"""

    async def create(session: AsyncSession) -> Created:
        goal = await circles.create_goal(
            session, caller=caller, circle_id=circle_id, title=body.title, shared=body.shared, now=utcnow()
        )
        return circles.goal_document(goal), {"ETag": etag(goal.version)}

    return await creation.run(caller=caller, create=create)


@router.posts("/circles/{circle_id}/goals/{goal_id}/progress", CircleGoal, 403, 404, 409, 412, 428)
async def progress_goal(
    circle_id: uuid.UUID,
    goal_id: uuid.UUID,
    body: CircleGoalProgress,
    caller: Caller,
    change: Change,
) -> Response:
    """Record a goal's progress: its owner for a personal goal, facilitators for a shared one"""
    goal = await change.run(
        circles.progress_goal,
        caller=caller,
        circle_id=circle_id,
        goal_id=goal_id,
        status=body.status,
        percent=body.percent,
        now=utcnow(),
    )
    document = circles.goal_document(goal)
    return document_response(document, version=goal.version)


@router.reads("/circles/{circle_id}/messages", CircleMessagePage, 400, 404)
async def list_messages(
    circle_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """The circle's conversation, oldest first; its members only"""
    rows, next_cursor = await circles.messages_page(
        db, caller=caller, circle_id=circle_id, limit=limit, cursor=cursor
    )
    return page_response([circles.message_document(row) for row in rows], next_cursor)


@router.creates("/circles/{circle_id}/messages", CircleMessage, 403, 404, 409)
async def post_message(
    circle_id: uuid.UUID,
    body: MessageCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Post a message to the circle (text; links are not rendered)"""

    async def create(session: AsyncSession) -> Created:
        message = await circles.post_message(
            session, caller=caller, circle_id=circle_id, body=body.body, now=utcnow()
        )
        return circles.message_document(message), {}

    return await creation.run(caller=caller, create=create)
