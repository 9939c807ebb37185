"""Event consumers: the read models of people, programs and mentorships, and their consequences.

Read models are version-checked (`upsert_if_newer`), so replays and out-of-order deliveries
converge on the newest state. A consequence (canceling sessions) follows only from a state change
that applied, and is written in the consumer's transaction with its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import service
from scheduling.models import Mentorship, MentorshipStatus, Person, Program, ProposedSession, messaging
from shared.consumer import EventConsumer, Handlers
from shared.contracts.matching import MatchAccepted, MatchActivated, MatchEnded, MatchState
from shared.contracts.profiles import (
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonUpdated,
    ProgramCreated,
    ProgramUpdated,
)
from shared.events import CloudEvent
from shared.read_models import upsert_if_newer
from shared.runtime import Runtime

profiles_handlers = Handlers()
matching_handlers = Handlers()

PERSON_DEACTIVATED = "participant deactivated"


@profiles_handlers.on(PersonCreated, PersonUpdated, PersonDeactivated, PersonReactivated)
async def on_person(
    session: AsyncSession,
    envelope: CloudEvent,
    event: PersonCreated | PersonUpdated | PersonDeactivated | PersonReactivated,
) -> None:
    person = event.person
    applied = await upsert_if_newer(
        session,
        Person.__table__,
        {
            "id": person.id,
            "organization": person.organization,
            "name": person.name,
            "email": person.email,
            "time_zone": person.time_zone,
            "availability": [window.model_dump(mode="json") for window in person.availability],
            "availability_overrides": [
                override.model_dump(mode="json") for override in person.availability_overrides
            ],
            "active": person.active,
            "version": person.version,
            "updated_at": person.updated_at,
        },
        key=["id"],
    )
    if applied and not person.active:
        await service.cancel_future_sessions(
            session,
            organization=person.organization,
            person_id=person.id,
            reason=PERSON_DEACTIVATED,
            now=datetime.now(UTC),
        )


@profiles_handlers.on(ProgramCreated, ProgramUpdated)
async def on_program(
    session: AsyncSession, envelope: CloudEvent, event: ProgramCreated | ProgramUpdated
) -> None:
    program = event.program
    await upsert_if_newer(
        session,
        Program.__table__,
        {
            "id": program.id,
            "organization": program.organization,
            "name": program.name,
            "session_length_minutes": program.session_length_minutes,
            "session_cadence": program.session_cadence.value,
            "status": program.status.value,
            "version": program.version,
        },
        key=["id"],
    )


async def _upsert_mentorship(session: AsyncSession, match: MatchState, status: MentorshipStatus) -> bool:
    return await upsert_if_newer(
        session,
        Mentorship.__table__,
        {
            "id": match.id,
            "organization": match.organization,
            "program_id": match.program_id,
            "mentor_id": match.mentor_id,
            "mentee_id": match.mentee_id,
            "status": status.value,
            "end_reason": match.end_reason.value if match.end_reason else None,
            "started_at": match.updated_at if status is MentorshipStatus.ACTIVE else match.created_at,
            "ended_at": match.ended_at or (match.updated_at if status is MentorshipStatus.ENDED else None),
            "version": match.version,
        },
        key=["id"],
    )


@matching_handlers.on(MatchAccepted, MatchActivated)
async def on_match_started(
    session: AsyncSession, envelope: CloudEvent, event: MatchAccepted | MatchActivated
) -> None:
    await _upsert_mentorship(session, event.match, MentorshipStatus.ACTIVE)


@matching_handlers.on(MatchEnded)
async def on_match_ended(session: AsyncSession, envelope: CloudEvent, event: MatchEnded) -> None:
    match = event.match
    if not await _upsert_mentorship(session, match, MentorshipStatus.ENDED):
        return
    reason = f"mentorship ended ({match.end_reason.value})" if match.end_reason else "mentorship ended"
    await service.cancel_future_sessions(
        session, organization=match.organization, mentorship_id=match.id, reason=reason, now=datetime.now(UTC)
    )
    await session.execute(delete(ProposedSession).where(ProposedSession.mentorship_id == match.id))


def consumers(runtime: Runtime) -> Sequence[EventConsumer]:
    """One durable consumer per stream scheduling reads: profiles' and matching's."""
    settings = runtime.settings
    return [
        EventConsumer(
            name=settings.service_name,
            source_service=source,
            handlers=handlers,
            sessions=runtime.sessions,
            inbox=messaging.inbox,
            js=runtime.js,
            namespace=settings.event_namespace,
            batch_size=settings.consumer_batch_size,
            max_deliver=settings.consumer_max_deliver,
        )
        for source, handlers in (("profiles", profiles_handlers), ("matching", matching_handlers))
    ]
