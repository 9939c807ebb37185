"""The matching API application (`uvicorn --factory matching.main:create_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from matching.candidates import PoolCache
from matching.config import MatchingSettings
from matching.models import messaging
from matching.routes import ROUTERS
from shared.app import create_service_app
from shared.runtime import Runtime

DESCRIPTION = """
Matches mentees with mentors in a program: explainable scores (skills, goals, guidance, mutual
availability across time zones, seniority, specializations, preferences, languages), suggestions
for a mentee, program-wide rounds solved as a min-cost flow under mentor capacity that an admin
reviews, edits and publishes, mentee requests that mentors accept or decline, and a fairness audit
in aggregates.

Built from profiles events only. Every match change is published as an event (see the AsyncAPI
catalog). Updates need `If-Match` (actions honour it when given); creating POSTs honour
`Idempotency-Key`. Errors are RFC 9457 problem details with stable types.
"""


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    settings = settings or MatchingSettings()

    async def on_startup(app: FastAPI, runtime: Runtime) -> None:
        # Programs' mentor pools, kept per process while the read model does not change.
        app.state.pool_cache = PoolCache(settings.pool_cache_size)

    return create_service_app(
        settings=settings,
        title="Matching",
        description=DESCRIPTION,
        routers=ROUTERS,
        on_startup=on_startup,
        messaging=messaging,
    )
