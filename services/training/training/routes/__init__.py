"""The training API, one router per resource."""

from __future__ import annotations

from training.routes import courses, learning, library, modules, progress, readiness, reports

ROUTERS = (
    modules.router,
    learning.router,
    courses.router,
    progress.router,
    readiness.router,
    reports.router,
    library.router,
)
