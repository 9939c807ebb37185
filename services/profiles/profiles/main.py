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

TAGS = [
    {"name": "people", "description": "Profiles of mentors and mentees"},
    {"name": "programs", "description": "Mentorship programs (admins manage them)"},
    {"name": "enrollments", "description": "People in programs, as mentor or mentee"},
    {"name": "skills", "description": "The default AI skill taxonomy and the organization's own"},
    {"name": "intake", "description": "Programs' intake questionnaires and enrollments' answers"},
    {"name": "personality", "description": "The optional personality (Mini-IPIP) and working-style survey"},
    {
        "name": "self-identification",
        "description": "Consented, revocable self-identification (sealed, shown to the person alone)",
    },
    {"name": "personal data", "description": "Download or erase what the platform holds on you about these"},
    {"name": "operations", "description": "Health and metrics"},
]


def create_app(settings: ProfilesSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or ProfilesSettings(),
        title="Profiles",
        description=DESCRIPTION,
        routers=ROUTERS,
        openapi_tags=TAGS,
        messaging=messaging,
        # HR exports are larger than any other request body.
        body_limits={"/v1/imports": MAX_UPLOAD_BYTES},
        on_startup=open_person_lookup,
        on_shutdown=close_person_lookup,
    )
