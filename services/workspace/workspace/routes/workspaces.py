"""Workspaces: the caller's list, one workspace, its dashboard, its sessions and its export."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.contracts.scheduling import SessionStatus
from shared.dependencies import Caller, Paging, Reader
from shared.responses import document_response
from shared.routing import Routes
from workspace import queries
from workspace.models import WorkspaceStatus
from workspace.queries import dashboard
from workspace.queries import sessions as session_queries
from workspace.queries import workspaces as workspace_queries
from workspace.schemas import Dashboard, Export, SessionPage, Workspace, WorkspacePage

router = Routes("workspaces", "A pair's workspace, its dashboard and its export")


@router.reads("/workspaces", WorkspacePage, 400)
async def list_workspaces(
    caller: Caller,
    db: Reader,
    paging: Paging,
    program_id: uuid.UUID | None = None,
    status: WorkspaceStatus | None = None,
) -> Response:
    """Your workspaces (admins: the organization's, optionally one program's)"""
    return await paging.answer(
        workspace_queries.list_workspaces,
        db,
        caller=caller,
        now=utcnow(),
        program_id=program_id,
        status=status.value if status else None,
    )


@router.reads("/matches/{match_id}/workspace", Workspace, 404)
async def get_workspace(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A pair's workspace and its summary (the pair and the program's admins)"""
    return document_response(
        await workspace_queries.workspace(db, caller=caller, match_id=match_id, now=utcnow())
    )


@router.reads("/matches/{match_id}/dashboard", Dashboard, 404)
async def get_dashboard(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """The pair's plan in one request: agreement, open goals, overdue items, next session's agenda"""
    return document_response(await dashboard.dashboard(db, caller=caller, match_id=match_id, now=utcnow()))


@router.reads("/matches/{match_id}/sessions", SessionPage, 400, 404)
async def list_sessions(
    match_id: uuid.UUID,
    caller: Caller,
    db: Reader,
    paging: Paging,
    status: SessionStatus | None = None,
) -> Response:
    """The pair's sessions (booked in scheduling), in start order"""
    access = await queries.visible_pair(db, caller=caller, match_id=match_id)
    return await paging.answer(
        session_queries.list_sessions, db, access=access, status=status.value if status else None
    )


@router.reads("/matches/{match_id}/export", Export, 404)
async def export(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """Everything the pair planned (never private notes; messages for the pair only)"""
    document = await workspace_queries.export(db, caller=caller, match_id=match_id, now=utcnow())
    return document_response(
        document, headers={"Content-Disposition": f'attachment; filename="workspace-{match_id}.json"'}
    )
