"""The workspace API application (`uvicorn --factory workspace.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.app import create_service_app
from workspace.config import WorkspaceSettings
from workspace.live_streams import close_hub, open_hub
from workspace.models import messaging
from workspace.routes import ROUTERS

DESCRIPTION = """
The pair's shared workspace, opened when matching accepts a match and closed (read-only, nothing
deleted) when it ends or a member leaves: the agreement both sign, goals with milestones and a
progress history (the mentee owns them; the mentor comments and proposes), action items, the
agendas and notes of the pair's sessions, and their conversation with a live stream (Server-Sent
Events, resumable with `Last-Event-ID`). Admins see each program's goal attainment and goals at
risk, work at-risk cases and keep intervention notes, but never read a pair's messages (except a
reported one and a few around it) nor anyone's private notes.

Events carry ids, statuses, dates and numbers, never text (see the AsyncAPI catalog). Changes need
`If-Match` with the resource's `ETag`; creating POSTs honour `Idempotency-Key`. Errors are RFC 9457
problem details.
"""


def create_app(settings: WorkspaceSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or WorkspaceSettings(),
        title="Workspace",
        description=DESCRIPTION,
        routers=ROUTERS,
        messaging=messaging,
        on_startup=open_hub,
        on_shutdown=close_hub,
    )
