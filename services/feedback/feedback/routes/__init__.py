"""The feedback API, one router per resource."""

from __future__ import annotations

from feedback.routes import analytics, health, requests, settings, submissions

ROUTERS = (requests.router, submissions.router, settings.router, health.router, analytics.router)
