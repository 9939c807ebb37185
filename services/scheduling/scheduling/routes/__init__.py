"""The scheduling API, one router per resource."""

from __future__ import annotations

from typing import Any

from scheduling.routes import calendar_feeds, circles, flash, matches, policy, sessions

ROUTERS = (
    matches.router,
    sessions.router,
    calendar_feeds.router,
    policy.router,
    circles.router,
    flash.router,
)

TAGS: list[dict[str, Any]] = [
    {
        "name": "matches",
        "description": "Matches (accepted by matching): cadence, slots, booking."
        " `/v1/mentorships/...` is the deprecated name of `/v1/matches/...`",
    },
    {"name": "sessions", "description": "Booked sessions and their lifecycle"},
    {"name": "calendar feeds", "description": "iCalendar subscription URLs"},
    {"name": "scheduling policy", "description": "The organization's scheduling policy (admins)"},
    {"name": "circles", "description": "Circle sessions: common slots of all members, booking for all"},
    {
        "name": "flash mentoring",
        "description": "Office hours, mentors by skill, single sessions within a monthly limit",
    },
    {"name": "operations", "description": "Health and metrics"},
]
