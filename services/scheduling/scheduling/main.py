"""The scheduling API application (`uvicorn --factory scheduling.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from scheduling.config import SchedulingSettings
from scheduling.models import messaging
from scheduling.routes import ROUTERS
from shared.app import create_service_app

DESCRIPTION = """
Sessions of matches (a mentor and a mentee paired by matching): common free slots of mentor and
mentee across time zones and DST, booking without double-booking (enforced by PostgreSQL),
rescheduling, cancellation, completion and no-shows, the program's meeting cadence, reminders, and
iCalendar files and subscription feeds. Video sessions get a meeting link from the organization's
template; in-person sessions have a location; async check-ins have a due time and a prompt.

Every change is published as an event (see the AsyncAPI catalog). Changes to a session need
`If-Match` with its `ETag`; booking honours `Idempotency-Key`. Errors are RFC 9457 problem details.
The `/v1/mentorships/...` paths and `mentorship_id` fields are deprecated aliases of
`/v1/matches/...` and `match_id`.
"""


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or SchedulingSettings(),
        title="Scheduling",
        description=DESCRIPTION,
        routers=ROUTERS,
        messaging=messaging,
    )
