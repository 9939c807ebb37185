"""A circle's workspace: its shared goals and each member's personal goals, and its conversation.
Only the circle's members (present and past) see it; other circles' members get a 404."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch, etag
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from workspace.dependencies import Caller, Reader, Writer
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

router = APIRouter(prefix="/v1", tags=["circles"])


@router.get(
    "/circles/{circle_id}/goals",
    response_model=CircleGoalList,
    summary="The circle's shared goals, and the personal goals you may see (yours; facilitators: all)",
    responses=problems(404),
)
async def list_goals(circle_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    goals = await circles.goals_of(db, caller=caller, circle_id=circle_id)
    return document_response(
        {
            "shared": [circles.goal_document(goal) for goal in goals if goal.owner_id is None],
            "personal": [circles.goal_document(goal) for goal in goals if goal.owner_id is not None],
        }
    )


@router.post(
    "/circles/{circle_id}/goals",
    status_code=201,
    response_model=CircleGoal,
    summary="Set a shared goal of the circle (facilitators) or a personal goal of your own",
    responses=problems(403, 404, 409),
)
async def create_goal(
    circle_id: uuid.UUID,
    body: CircleGoalCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        goal = await circles.create_goal(
            session, caller=caller, circle_id=circle_id, title=body.title, shared=body.shared, now=utcnow()
        )
        return circles.goal_document(goal), {"ETag": etag(goal.version)}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.post(
    "/circles/{circle_id}/goals/{goal_id}/progress",
    response_model=CircleGoal,
    summary="Record a goal's progress: its owner for a personal goal, facilitators for a shared one",
    responses=problems(403, 404, 409, 412, 428),
)
async def progress_goal(
    circle_id: uuid.UUID,
    goal_id: uuid.UUID,
    body: CircleGoalProgress,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        goal = await circles.progress_goal(
            session,
            caller=caller,
            circle_id=circle_id,
            goal_id=goal_id,
            status=body.status,
            percent=body.percent,
            if_match=if_match,
            now=utcnow(),
        )
        document = circles.goal_document(goal)
    return document_response(document, version=goal.version)


@router.get(
    "/circles/{circle_id}/messages",
    response_model=CircleMessagePage,
    summary="The circle's conversation, oldest first; its members only",
    responses=problems(400, 404),
)
async def list_messages(
    circle_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    rows, next_cursor = await circles.messages_page(
        db, caller=caller, circle_id=circle_id, limit=limit, cursor=cursor
    )
    return page_response([circles.message_document(row) for row in rows], next_cursor)


@router.post(
    "/circles/{circle_id}/messages",
    status_code=201,
    response_model=CircleMessage,
    summary="Post a message to the circle (text; links are not rendered)",
    responses=problems(403, 404, 409),
)
async def post_message(
    circle_id: uuid.UUID,
    body: MessageCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        message = await circles.post_message(
            session, caller=caller, circle_id=circle_id, body=body.body, now=utcnow()
        )
        return circles.message_document(message), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)
