"""The profiles API application (`uvicorn --factory profiles.main:create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from profiles.config import ProfilesSettings
from profiles.person_lookup import PersonLookup
from profiles.routes import ROUTERS
from shared.app import create_service_app
from shared.runtime import Runtime

DESCRIPTION = """
People (mentors and mentees) with their skills, learning interests, languages, time zone and
availability; mentorship programs; enrollments of people in programs; the AI skill taxonomy.

Every change is published as an event (see the AsyncAPI catalog). Updates need `If-Match`
with the resource's `ETag`; creating POSTs honour `Idempotency-Key`. Errors are RFC 9457
problem details.
"""

TAGS = [
    {"name": "people", "description": "Profiles of mentors and mentees"},
    {"name": "programs", "description": "Mentorship programs (admins manage them)"},
    {"name": "enrollments", "description": "People in programs, as mentor or mentee"},
    {"name": "skills", "description": "The default AI skill taxonomy and the organization's own"},
    {"name": "operations", "description": "Health and metrics"},
]


def create_app(settings: ProfilesSettings | None = None) -> FastAPI:
    settings = settings or ProfilesSettings()
    app = create_service_app(
        settings=settings,
        title="Profiles",
        description=DESCRIPTION,
        routers=ROUTERS,
        openapi_tags=TAGS,
    )
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            service_lifespan(app),
            PersonLookup.open(settings.database_url, max_size=settings.database_pool_size) as lookup,
        ):
            runtime: Runtime = app.state.runtime
            # Reads are single statements: autocommit spares them BEGIN/ROLLBACK round trips.
            app.state.read_engine = runtime.engine.execution_options(isolation_level="AUTOCOMMIT")
            app.state.person_lookup = lookup
            yield

    app.router.lifespan_context = lifespan
    return app
