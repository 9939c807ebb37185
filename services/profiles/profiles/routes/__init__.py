"""The profiles API, one router per resource."""

from __future__ import annotations

from profiles.routes import enrollments, people, programs, skills

ROUTERS = (people.router, programs.router, enrollments.router, skills.router)
