"""The training API application (`uvicorn --factory training.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from shared.app import create_service_app
from training.config import TrainingSettings
from training.models import messaging
from training.routes import ROUTERS

DESCRIPTION = """
Onboarding courses for mentors and mentees: modules (Markdown rendered to sanitized HTML, links,
embedded videos, versions), knowledge checks, private reflections, courses per program and role,
a starter library (mentor basics, mentee basics, responsible AI) loadable per organization.

Enrolling in a program assigns its course (from profiles' events); progress, completion and
overdue assignments are published as events, and per-program readiness gates tell matching who
must finish their course first. Reflections are readable by their author alone. Creating POSTs
honour `Idempotency-Key`; updates need `If-Match`. Errors are RFC 9457 problem details.
"""

# Tags only some routes carry; the routers declare their own (shared.routing.Routes).
TAGS = [
    {"name": "knowledge checks", "description": "Attempts, graded on submission"},
    {"name": "reflections", "description": "Private answers to a module's prompt (author only)"},
]


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or TrainingSettings(),
        title="Training",
        description=DESCRIPTION,
        routers=ROUTERS,
        openapi_tags=TAGS,
        messaging=messaging,
    )
