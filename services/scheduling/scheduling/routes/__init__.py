"""The scheduling API, one router per resource."""

from __future__ import annotations

from scheduling.routes import calendar_feeds, mentorships, policy, sessions

ROUTERS = (mentorships.router, sessions.router, calendar_feeds.router, policy.router)
