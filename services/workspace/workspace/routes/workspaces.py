"""Workspaces: the caller's list, one workspace, its dashboard, its sessions and its export."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.clock import utcnow
from shared.contracts.scheduling import SessionStatus
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from workspace import queries
from workspace.dependencies import Caller, Reader
from workspace.models import WorkspaceStatus
from workspace.queries import dashboard
from workspace.queries import sessions as session_queries
from workspace.queries import workspaces as workspace_queries
from workspace.schemas import Dashboard, Export, SessionPage, Workspace, WorkspacePage

router = APIRouter(prefix="/v1", tags=["workspaces"])


@router.get(
    "/workspaces",
    response_model=WorkspacePage,
    summary="Your workspaces (admins: the organization's, optionally one program's)",
    responses=problems(400),
)
async def list_workspaces(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    program_id: uuid.UUID | None = None,
    status: WorkspaceStatus | None = None,
) -> Response:
    items, next_cursor = await workspace_queries.list_workspaces(
        db,
        caller=caller,
        now=utcnow(),
        program_id=program_id,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    return page_response(items, next_cursor)


@router.get(
    "/matches/{match_id}/workspace",
    response_model=Workspace,
    summary="A pair's workspace and its summary (the pair and the program's admins)",
    responses=problems(404),
)
async def get_workspace(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    return document_response(
        await workspace_queries.workspace(db, caller=caller, match_id=match_id, now=utcnow())
    )


@router.get(
    "/matches/{match_id}/dashboard",
    response_model=Dashboard,
    summary="The pair's plan in one request: agreement, open goals, overdue items, next session's agenda",
    responses=problems(404),
)
async def get_dashboard(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    return document_response(await dashboard.dashboard(db, caller=caller, match_id=match_id, now=utcnow()))


@router.get(
    "/matches/{match_id}/sessions",
    response_model=SessionPage,
    summary="The pair's sessions (booked in scheduling), in start order",
    responses=problems(400, 404),
)
async def list_sessions(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: SessionStatus | None = None,
) -> Response:
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    items, next_cursor = await session_queries.list_sessions(
        db, access=access, status=status.value if status else None, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


@router.get(
    "/matches/{match_id}/export",
    response_model=Export,
    summary="Everything the pair planned (never private notes; messages for the pair only)",
    responses=problems(404),
)
async def export(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await workspace_queries.export(db, caller=caller, match_id=match_id, now=utcnow())
    return document_response(
        document, headers={"Content-Disposition": f'attachment; filename="workspace-{match_id}.json"'}
    )
