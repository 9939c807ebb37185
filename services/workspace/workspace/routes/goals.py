"""Goals: the pair's goals and proposals, progress history, comments, milestones and templates."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import GoalStatus
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from workspace import goal_templates, queries
from workspace.dependencies import Caller, Reader, SettingsDep, Writer
from workspace.documents import Document, comment_document
from workspace.queries import goals as goal_queries
from workspace.schemas import (
    Comment,
    CommentCreate,
    CommentPage,
    Goal,
    GoalCreate,
    GoalPage,
    GoalTemplatePage,
    GoalUpdate,
    Milestone,
    MilestoneCreate,
    MilestoneUpdate,
    ProgressCreate,
    ProgressPage,
)
from workspace.service import goals

router = APIRouter(prefix="/v1", tags=["goals"])


async def _goal(session: AsyncSession, caller: Caller, goal_id: uuid.UUID) -> Document:
    await session.flush()
    return await goal_queries.goal(session, caller=caller, goal_id=goal_id, now=utcnow())


@router.get(
    "/goal-templates",
    response_model=GoalTemplatePage,
    summary="Goal and milestone templates the platform ships, per program objective",
)
async def list_goal_templates(caller: Caller, objective: ProgramObjective | None = None) -> Response:
    items = [
        {
            "key": t.key,
            "objective": t.objective,
            "title": t.title,
            "measure": t.measure,
            "guidance_kind": t.guidance_kind,
            "weeks": t.weeks,
            "milestones": [{"title": m.title, "week": m.week} for m in t.milestones],
        }
        for t in goal_templates.templates_for(objective)
    ]
    return page_response(items, None)


@router.get(
    "/matches/{match_id}/goals",
    response_model=GoalPage,
    summary="The pair's goals with their milestones (`proposals=true`: the mentor's proposals)",
    responses=problems(400, 404),
)
async def list_goals(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: GoalStatus | None = None,
    proposals: bool = False,
) -> Response:
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    items, next_cursor = await goal_queries.list_goals(
        db, access=access, now=utcnow(), status=status, proposals=proposals, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


@router.post(
    "/matches/{match_id}/goals",
    status_code=201,
    response_model=Goal,
    summary="Set a goal (the mentee), or propose one (the mentor); from a template if `template` is given",
    responses=problems(403, 404, 409, 422),
)
async def create_goal(
    match_id: uuid.UUID,
    body: GoalCreate,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        goal_id = await goals.create_goal(
            session, caller=caller, match_id=match_id, body=body, now=utcnow(), settings=settings
        )
        document = await _goal(session, caller, goal_id)
        return document, {"Location": f"/v1/goals/{goal_id}", "ETag": f'"{document["version"]}"'}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/goals/{goal_id}", response_model=Goal, summary="A goal with its milestones", responses=problems(404)
)
async def get_goal(goal_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await goal_queries.goal(db, caller=caller, goal_id=goal_id, now=utcnow())
    return document_response(document, version=document["version"])


@router.patch(
    "/goals/{goal_id}",
    response_model=Goal,
    summary="Edit a goal (its mentee; the mentor a pending proposal of theirs), If-Match required",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def update_goal(
    goal_id: uuid.UUID, body: GoalUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await goals.update_goal(
            session, caller=caller, goal_id=goal_id, changes=body, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.post(
    "/goals/{goal_id}/acceptance",
    response_model=Goal,
    summary="Accept a proposed goal (the mentee, If-Match): it becomes theirs",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def accept_proposal(
    goal_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await goals.decide_proposal(
            session, caller=caller, goal_id=goal_id, accept=True, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.post(
    "/goals/{goal_id}/declination",
    response_model=Goal,
    summary="Decline a proposed goal (the mentee, If-Match)",
    responses=problems(403, 404, 409, 412, 428),
)
async def decline_proposal(
    goal_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await goals.decide_proposal(
            session, caller=caller, goal_id=goal_id, accept=False, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.get(
    "/goals/{goal_id}/progress",
    response_model=ProgressPage,
    summary="A goal's progress history, oldest first",
    responses=problems(400, 404),
)
async def list_progress(
    goal_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    return page_response(
        *await goal_queries.progress_history(db, caller=caller, goal_id=goal_id, limit=limit, cursor=cursor)
    )


@router.post(
    "/goals/{goal_id}/progress",
    response_model=Goal,
    summary="Record progress (the mentee, If-Match: the goal's ETag): a new history entry",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def record_progress(
    goal_id: uuid.UUID, body: ProgressCreate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await goals.record_progress(
            session, caller=caller, goal_id=goal_id, body=body, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.get(
    "/goals/{goal_id}/comments",
    response_model=CommentPage,
    summary="Comments on a goal, oldest first",
    responses=problems(400, 404),
)
async def list_comments(
    goal_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    return page_response(
        *await goal_queries.comments(db, caller=caller, goal_id=goal_id, limit=limit, cursor=cursor)
    )


@router.post(
    "/goals/{goal_id}/comments",
    status_code=201,
    response_model=Comment,
    summary="Comment on a goal (either member)",
    responses=problems(403, 404, 409, 422),
)
async def add_comment(
    goal_id: uuid.UUID,
    body: CommentCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        comment = await goals.add_comment(
            session, caller=caller, goal_id=goal_id, body=body.body, now=utcnow()
        )
        return comment_document(comment), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.post(
    "/goals/{goal_id}/milestones",
    status_code=201,
    response_model=Goal,
    summary="Add a milestone to a goal (its mentee; the mentor to a pending proposal of theirs)",
    responses=problems(403, 404, 409, 422),
)
async def add_milestone(
    goal_id: uuid.UUID,
    body: MilestoneCreate,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        await goals.add_milestone(
            session, caller=caller, goal_id=goal_id, body=body, now=utcnow(), settings=settings
        )
        return await _goal(session, caller, goal_id), {"Location": f"/v1/goals/{goal_id}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.patch(
    "/milestones/{milestone_id}",
    response_model=Milestone,
    summary="Rename, re-date or reach a milestone (its goal's owner, If-Match: the milestone's ETag)",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def update_milestone(
    milestone_id: uuid.UUID, body: MilestoneUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await goals.update_milestone(
            session, caller=caller, milestone_id=milestone_id, changes=body, if_match=if_match, now=utcnow()
        )
        await session.flush()
        document = await goal_queries.milestone(session, milestone_id=milestone_id)
    return document_response(document, version=document["version"])
