"""The profiles API application (`uvicorn --factory profiles.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from profiles.config import ProfilesSettings
from profiles.models import messaging
from profiles.person_lookup import close_person_lookup, open_person_lookup
from profiles.routes import ROUTERS
from profiles.routes.imports import MAX_UPLOAD_BYTES
from shared.app import create_service_app

DESCRIPTION = """
People (mentors and mentees) with their skills, learning interests, languages, time zone and
availability; mentorship programs; enrollments of people in programs; the AI skill taxonomy.

Every change is published as an event (see the AsyncAPI catalog). Updates need `If-Match`
with the resource's `ETag`; creating POSTs honour `Idempotency-Key`. Errors are RFC 9457
problem details.
"""


def create_app(settings: ProfilesSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or ProfilesSettings(),
        title="Profiles",
        description=DESCRIPTION,
        routers=ROUTERS,
        messaging=messaging,
        # HR exports are larger than any other request body.
        body_limits={"/v1/imports": MAX_UPLOAD_BYTES},
        on_startup=open_person_lookup,
        on_shutdown=close_person_lookup,
    )
