"""The profiles API, one router per resource, and SCIM provisioning at `/scim/v2`."""

from __future__ import annotations

from profiles.routes import (
    enrollments,
    imports,
    intake,
    people,
    personal_data,
    personality,
    programs,
    self_identification,
    skills,
)
from profiles.scim import routes as scim

ROUTERS = (
    people.router,
    programs.router,
    enrollments.router,
    skills.router,
    imports.router,
    scim.router,
    intake.router,
    personality.router,
    self_identification.router,
    personal_data.router,
)
