"""The workspace API, one router per part of the workspace."""

from __future__ import annotations

from workspace.routes import (
    action_items,
    agreements,
    circles,
    facilitation,
    goals,
    messages,
    programs,
    reports,
    sessions,
    settings,
    workspaces,
)

ROUTERS = (
    workspaces.router,
    agreements.router,
    goals.router,
    action_items.router,
    sessions.router,
    messages.router,
    reports.router,
    programs.router,
    facilitation.router,
    settings.router,
    circles.router,
)
