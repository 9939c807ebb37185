"""The scheduling API, one router per resource."""

from __future__ import annotations

from scheduling.routes import calendar_feeds, circles, flash, matches, policy, sessions

ROUTERS = (
    matches.router,
    sessions.router,
    calendar_feeds.router,
    policy.router,
    circles.router,
    flash.router,
)
