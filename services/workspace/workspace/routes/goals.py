"""Goals: the pair's goals and proposals, progress history, comments, milestones and templates."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.contracts.profiles import ProgramObjective
from shared.contracts.workspace import GoalStatus
from shared.dependencies import Caller, Creation, Paging, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes
from workspace import goal_templates, queries
from workspace.dependencies import SettingsDep
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

router = Routes("goals", "Goals, proposals, progress history, comments, milestones and templates")


async def _goal(session: AsyncSession, caller: Caller, goal_id: uuid.UUID) -> Document:
    await session.flush()
    return await goal_queries.goal(session, caller=caller, goal_id=goal_id, now=utcnow())


@router.reads("/goal-templates", GoalTemplatePage)
async def list_goal_templates(caller: Caller, objective: ProgramObjective | None = None) -> Response:
    """Goal and milestone templates the platform ships, per program objective"""
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


@router.reads("/matches/{match_id}/goals", GoalPage, 400, 404)
async def list_goals(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    paging: Paging,
    status: GoalStatus | None = None,
    proposals: bool = False,
) -> Response:
    """The pair's goals with their milestones (`proposals=true`: the mentor's proposals)"""
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    return await paging.answer(
        goal_queries.list_goals, db, access=access, now=utcnow(), status=status, proposals=proposals
    )


@router.creates("/matches/{match_id}/goals", Goal, 403, 404, 409, 422)
async def create_goal(
    match_id: uuid.UUID,
    body: GoalCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Set a goal (the mentee), or propose one (the mentor); from a template if `template` is given"""

    async def create(session: AsyncSession) -> Created:
        goal_id = await goals.create_goal(
            session, caller=caller, match_id=match_id, body=body, now=utcnow(), settings=settings
        )
        document = await _goal(session, caller, goal_id)
        return document, {"Location": f"/v1/goals/{goal_id}", "ETag": f'"{document["version"]}"'}

    return await creation.run(caller=caller, create=create)


@router.reads("/goals/{goal_id}", Goal, 404)
async def get_goal(goal_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A goal with its milestones"""
    document = await goal_queries.goal(db, caller=caller, goal_id=goal_id, now=utcnow())
    return document_response(document, version=document["version"])


@router.patches("/goals/{goal_id}", Goal, 403, 404, 409, 412, 422, 428)
async def update_goal(
    goal_id: uuid.UUID, body: GoalUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Edit a goal (its mentee; the mentor a pending proposal of theirs), If-Match required"""
    async with writer.transaction() as session:
        await goals.update_goal(
            session, caller=caller, goal_id=goal_id, changes=body, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.posts("/goals/{goal_id}/acceptance", Goal, 403, 404, 409, 412, 422, 428)
async def accept_proposal(
    goal_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Accept a proposed goal (the mentee, If-Match): it becomes theirs"""
    async with writer.transaction() as session:
        await goals.decide_proposal(
            session, caller=caller, goal_id=goal_id, accept=True, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.posts("/goals/{goal_id}/declination", Goal, 403, 404, 409, 412, 428)
async def decline_proposal(
    goal_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Decline a proposed goal (the mentee, If-Match)"""
    async with writer.transaction() as session:
        await goals.decide_proposal(
            session, caller=caller, goal_id=goal_id, accept=False, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.reads("/goals/{goal_id}/progress", ProgressPage, 400, 404)
async def list_progress(
    goal_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """A goal's progress history, oldest first"""
    return page_response(
        *await goal_queries.progress_history(db, caller=caller, goal_id=goal_id, limit=limit, cursor=cursor)
    )


@router.posts("/goals/{goal_id}/progress", Goal, 403, 404, 409, 412, 422, 428)
async def record_progress(
    goal_id: uuid.UUID, body: ProgressCreate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Record progress (the mentee, If-Match: the goal's ETag): a new history entry"""
    async with writer.transaction() as session:
        await goals.record_progress(
            session, caller=caller, goal_id=goal_id, body=body, if_match=if_match, now=utcnow()
        )
        document = await _goal(session, caller, goal_id)
    return document_response(document, version=document["version"])


@router.reads("/goals/{goal_id}/comments", CommentPage, 400, 404)
async def list_comments(
    goal_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Comments on a goal, oldest first"""
    return page_response(
        *await goal_queries.comments(db, caller=caller, goal_id=goal_id, limit=limit, cursor=cursor)
    )


@router.creates("/goals/{goal_id}/comments", Comment, 403, 404, 409, 422)
async def add_comment(
    goal_id: uuid.UUID,
    body: CommentCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Comment on a goal (either member)"""

    async def create(session: AsyncSession) -> Created:
        comment = await goals.add_comment(
            session, caller=caller, goal_id=goal_id, body=body.body, now=utcnow()
        )
        return comment_document(comment), {}

    return await creation.run(caller=caller, create=create)


@router.creates("/goals/{goal_id}/milestones", Goal, 403, 404, 409, 422)
async def add_milestone(
    goal_id: uuid.UUID,
    body: MilestoneCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Add a milestone to a goal (its mentee; the mentor to a pending proposal of theirs)"""

    async def create(session: AsyncSession) -> Created:
        await goals.add_milestone(
            session, caller=caller, goal_id=goal_id, body=body, now=utcnow(), settings=settings
        )
        return await _goal(session, caller, goal_id), {"Location": f"/v1/goals/{goal_id}"}

    return await creation.run(caller=caller, create=create)


@router.patches("/milestones/{milestone_id}", Milestone, 403, 404, 409, 412, 422, 428)
async def update_milestone(
    milestone_id: uuid.UUID, body: MilestoneUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Rename, re-date or reach a milestone (its goal's owner, If-Match: the milestone's ETag)"""
    async with writer.transaction() as session:
        await goals.update_milestone(
            session, caller=caller, milestone_id=milestone_id, changes=body, if_match=if_match, now=utcnow()
        )
        await session.flush()
        document = await goal_queries.milestone(session, milestone_id=milestone_id)
    return document_response(document, version=document["version"])
