"""The feedback API, one router per resource."""

from __future__ import annotations

from feedback.routes import (
    analytics,
    circles,
    health,
    outcome_exports,
    outcome_settings,
    outcomes,
    requests,
    settings,
    submissions,
)

ROUTERS = (
    requests.router,
    submissions.router,
    settings.router,
    health.router,
    analytics.router,
    outcomes.router,
    outcome_exports.router,
    outcome_settings.router,
    circles.router,
)
