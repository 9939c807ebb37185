"""The feedback API application (`uvicorn --factory feedback.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from feedback.config import FeedbackSettings
from feedback.models import messaging
from feedback.routes import ROUTERS
from shared.app import create_service_app

DESCRIPTION = """
Post-session feedback, periodic check-ins and close-out surveys; match health ("relationship
health") with explained components and early warning on matches at risk; program analytics
(JSON, CSV, SVG); outcomes across programs (retention, promotion, mobility, skill growth, goal
attainment, training completion) against matched comparison groups, with an organization
dashboard and daily CSV snapshots for BI tools (`/v1/outcomes`, see docs/outcomes.md).

Requests open from events (a completed session, a check-in period, an ended match). Free text
marked private is visible to its author alone: never to the other participant, to admins, in
aggregates or in events. Creating POSTs honour `Idempotency-Key`; updates need `If-Match`.
Errors are RFC 9457 problem details.
"""


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or FeedbackSettings(),
        title="Feedback",
        description=DESCRIPTION,
        routers=ROUTERS,
        messaging=messaging,
    )
