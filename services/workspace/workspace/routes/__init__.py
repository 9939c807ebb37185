"""The workspace API, one router per part of the workspace."""

from __future__ import annotations

from typing import Any

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

TAGS: list[dict[str, Any]] = [
    {"name": "workspaces", "description": "A pair's workspace, its dashboard and its export"},
    {
        "name": "agreement",
        "description": "The pair's agreement: drafted from the program's template, signed by both",
    },
    {
        "name": "goals",
        "description": "Goals, proposals, progress history, comments, milestones and templates",
    },
    {"name": "action items", "description": "Action items with an owner and a due date, and their comments"},
    {"name": "sessions", "description": "Agendas, shared notes and private notes of the pair's sessions"},
    {"name": "messages", "description": "The pair's conversation, its live stream and read state"},
    {"name": "message reports", "description": "Reported messages, as the program's admins see them"},
    {"name": "programs", "description": "Goal attainment and goals at risk of a program (admins)"},
    {"name": "facilitation", "description": "Intervention notes and at-risk cases (admins)"},
    {
        "name": "workspace settings",
        "description": "A program's agreement template; message retention (admins)",
    },
    {"name": "circles", "description": "A circle's shared and personal goals and its conversation"},
    {"name": "operations", "description": "Health and metrics"},
]
