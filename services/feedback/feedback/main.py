"""The feedback API application (`uvicorn --factory feedback.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from feedback.config import FeedbackSettings
from feedback.routes import ROUTERS
from shared.app import create_service_app
from shared.runtime import Runtime

DESCRIPTION = """
Post-session feedback, periodic check-ins and close-out surveys; relationship health with
explained components and early warning on matches at risk; program analytics (JSON, CSV, SVG).

Requests open from events (a completed session, a check-in period, an ended match). Free text
marked private is visible to its author alone: never to the other participant, to admins, in
aggregates or in events. Creating POSTs honour `Idempotency-Key`; updates need `If-Match`.
Errors are RFC 9457 problem details.
"""

TAGS = [
    {"name": "feedback requests", "description": "What a participant is asked, and answering it"},
    {"name": "submissions", "description": "Answers, as each viewer may see them"},
    {"name": "feedback settings", "description": "Per-program due time, threshold and questions"},
    {"name": "relationship health", "description": "Health scores and matches at risk (admins)"},
    {"name": "program analytics", "description": "Weekly figures, CSV export, health chart (admins)"},
    {"name": "operations", "description": "Health and metrics"},
]


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    async def on_startup(app: FastAPI, runtime: Runtime) -> None:
        # Reads are single statements: autocommit spares them BEGIN/ROLLBACK round trips.
        app.state.read_engine = runtime.engine.execution_options(isolation_level="AUTOCOMMIT")

    return create_service_app(
        settings=settings or FeedbackSettings(),
        title="Feedback",
        description=DESCRIPTION,
        routers=ROUTERS,
        on_startup=on_startup,
        openapi_tags=TAGS,
    )
