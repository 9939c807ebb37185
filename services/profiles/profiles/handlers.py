"""Event consumers of the profiles service. Profiles is where people, programs and enrollments begin;
of other services it reads one fact only: that matching made a match or a circle in a program
(whatever happened to it since), because from then on the program's format is fixed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from profiles.models import MatchedProgram, messaging
from profiles.personal_data import ERASE_TASK, PERSONAL_DATA
from shared.consumer import Handlers
from shared.contracts.matching import (
    CircleAccepted,
    CircleProposed,
    MatchAccepted,
    MatchActivated,
    MatchProposed,
    MatchRequested,
)
from shared.contracts.privacy import ErasureRequested
from shared.events import CloudEvent
from shared.jobs import JobQueue

matching_handlers = Handlers()
privacy_handlers = Handlers()


@matching_handlers.on(MatchProposed, MatchRequested, MatchAccepted, MatchActivated)
async def on_match(
    session: AsyncSession,
    envelope: CloudEvent,
    event: MatchProposed | MatchRequested | MatchAccepted | MatchActivated,
) -> None:
    match = event.match
    await _mark_matched(
        session, program_id=match.program_id, organization=match.organization, at=match.created_at
    )


@matching_handlers.on(CircleProposed, CircleAccepted)
async def on_circle(
    session: AsyncSession, envelope: CloudEvent, event: CircleProposed | CircleAccepted
) -> None:
    circle = event.circle
    await _mark_matched(
        session, program_id=circle.program_id, organization=circle.organization, at=circle.created_at
    )


async def _mark_matched(
    session: AsyncSession, *, program_id: uuid.UUID, organization: str, at: datetime
) -> None:
    """Idempotent: the first match or circle of a program is what counts (redelivery inserts nothing)."""
    statement = insert(MatchedProgram).values(
        program_id=program_id, organization=organization, first_matched_at=at
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[MatchedProgram.program_id]))


@privacy_handlers.on(ErasureRequested)
async def on_erasure_requested(session: AsyncSession, envelope: CloudEvent, event: ErasureRequested) -> None:
    """Profiles erases first (service/erasure.py), in a task of its own: the job runner is the
    actor the trail names, and a failure is retried without holding up the stream."""
    await JobQueue(messaging.jobs).enqueue(
        session,
        ERASE_TASK,
        payload={
            "erasure_id": str(event.erasure_id),
            "person_id": str(event.person_id),
            "organization": envelope.organization,
        },
        key=f"{event.erasure_id}:{event.attempt}",
    )


# The streams profiles reads (consumers built by shared.worker); exports and retention policies
# from the privacy service's stream like every service, and the erasure of its own.
SOURCES: dict[str, Handlers] = PERSONAL_DATA.sources(
    {"matching": matching_handlers, "privacy": privacy_handlers}, erase=False
)
