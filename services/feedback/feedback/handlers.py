"""Event consumers: read models of programs, people, enrollments, matches and sessions, and the
feedback work those events start (requests to open, health to re-evaluate).

One consumer per publishing service's stream. Read models are version-checked
(`upsert_if_newer`), so replays and out-of-order delivery converge to the newest state; the
follow-up work keys on the read model's state after the event, not on the event alone, so a
stale event does nothing a newer one already undid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import cadence, monitoring
from feedback.config import FeedbackSettings
from feedback.models import ENROLLMENTS, MATCHES, PEOPLE, PROGRAMS, SESSIONS, messaging
from feedback.opening import Pair, open_closeout, open_session_requests, withdraw_requests
from feedback.rollups import add_to_week, session_contribution
from feedback.store import lock_entity, utcnow
from shared.consumer import EventConsumer, Handlers
from shared.contracts.feedback import RequestKind
from shared.contracts.matching import (
    MatchAccepted,
    MatchActivated,
    MatchDeclined,
    MatchEnded,
    MatchExpired,
    MatchProposed,
    MatchRequested,
    MatchState,
    MatchStatus,
)
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentState,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonUpdated,
    ProgramCreated,
    ProgramUpdated,
)
from shared.contracts.scheduling import (
    SessionCanceled,
    SessionCompleted,
    SessionNoShow,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from shared.events import CloudEvent
from shared.read_models import upsert_if_newer
from shared.runtime import Runtime

STARTED = (MatchStatus.ACCEPTED, MatchStatus.ACTIVE)
LEFT = (EnrollmentStatus.WITHDRAWN, EnrollmentStatus.COMPLETED)


def profiles_handlers() -> Handlers:
    handlers = Handlers()

    @handlers.on(ProgramCreated, ProgramUpdated)
    async def on_program(session: AsyncSession, envelope: CloudEvent, event: ProgramCreated) -> None:
        program = event.program
        await upsert_if_newer(
            session,
            PROGRAMS,
            {
                "id": program.id,
                "organization": program.organization,
                "name": program.name,
                "session_cadence": program.session_cadence.value,
                "checkin_cadence_days": program.checkin_cadence_days,
                "cohort_start": program.cohort_start,
                "cohort_end": program.cohort_end,
                "status": program.status.value,
                "version": program.version,
            },
            key=["id"],
        )

    @handlers.on(PersonCreated, PersonUpdated, PersonDeactivated, PersonReactivated)
    async def on_person(session: AsyncSession, envelope: CloudEvent, event: PersonCreated) -> None:
        person = event.person
        await upsert_if_newer(
            session,
            PEOPLE,
            {
                "id": person.id,
                "organization": person.organization,
                "name": person.name,
                "mentor_capacity": person.mentor_capacity,
                "active": person.active,
                "version": person.version,
            },
            key=["id"],
        )

    @handlers.on(EnrollmentCreated, EnrollmentUpdated, EnrollmentWithdrawn)
    async def on_enrollment(session: AsyncSession, envelope: CloudEvent, event: EnrollmentCreated) -> None:
        enrollment: EnrollmentState = event.enrollment
        await upsert_if_newer(
            session,
            ENROLLMENTS,
            {
                "id": enrollment.id,
                "organization": enrollment.organization,
                "program_id": enrollment.program_id,
                "person_id": enrollment.person_id,
                "role": enrollment.role.value,
                "status": enrollment.status.value,
                "mentor_capacity": enrollment.mentor_capacity,
                "enrolled_at": enrollment.created_at,
                "left_at": enrollment.updated_at if enrollment.status in LEFT else None,
                "version": enrollment.version,
            },
            key=["id"],
        )

    return handlers


def matching_handlers(settings: FeedbackSettings) -> Handlers:
    handlers = Handlers()

    @handlers.on(
        MatchProposed, MatchRequested, MatchAccepted, MatchActivated, MatchDeclined, MatchExpired, MatchEnded
    )
    async def on_match(session: AsyncSession, envelope: CloudEvent, event: MatchAccepted) -> None:
        match: MatchState = event.match
        await lock_entity(session, "match", match.id)
        await upsert_if_newer(
            session,
            MATCHES,
            {
                "id": match.id,
                "organization": match.organization,
                "program_id": match.program_id,
                "mentee_id": match.mentee_id,
                "mentor_id": match.mentor_id,
                "status": match.status.value,
                "ended_at": match.ended_at,
                "end_reason": match.end_reason.value if match.end_reason else None,
                "version": match.version,
            },
            key=["id"],
        )
        if match.status in STARTED:
            # The earliest accepted/active state seen is when the pair started, in any order.
            await session.execute(
                update(MATCHES)
                .where(MATCHES.c.id == match.id)
                .values(
                    started_at=func.least(
                        func.coalesce(MATCHES.c.started_at, match.updated_at), match.updated_at
                    )
                )
            )
        await _follow_match(session, match_id=match.id, settings=settings)

    return handlers


async def _follow_match(session: AsyncSession, *, match_id: object, settings: FeedbackSettings) -> None:
    """What the match's current state asks for: close-out when ended, a health check when live."""
    current = (await session.execute(select(MATCHES).where(MATCHES.c.id == match_id))).one()
    now = utcnow()
    if current.status == MatchStatus.ENDED.value:
        ended_at: datetime = current.ended_at or now
        pair = Pair(
            current.organization, current.program_id, current.id, current.mentor_id, current.mentee_id
        )
        await open_closeout(session, pair=pair, ended_at=ended_at, settings=settings)
        await monitoring.finalize_match(session, match_id=current.id, now=now)
    elif current.status in {s.value for s in STARTED}:
        await monitoring.evaluate_match(session, match_id=current.id, now=now, settings=settings)


def scheduling_handlers(settings: FeedbackSettings) -> Handlers:
    handlers = Handlers()

    @handlers.on(SessionScheduled, SessionRescheduled, SessionCanceled, SessionCompleted, SessionNoShow)
    async def on_session(session: AsyncSession, envelope: CloudEvent, event: SessionCompleted) -> None:
        state = event.session
        await lock_entity(session, "session", state.id)
        previous = (
            await session.execute(
                select(SESSIONS.c.status, SESSIONS.c.start, SESSIONS.c.program_id).where(
                    SESSIONS.c.id == state.id
                )
            )
        ).first()
        applied = await upsert_if_newer(
            session,
            SESSIONS,
            {
                "id": state.id,
                "organization": state.organization,
                "program_id": state.program_id,
                "match_id": state.match_id,
                "mentor_id": state.mentor_id,
                "mentee_id": state.mentee_id,
                "format": state.format.value,
                "status": state.status.value,
                "start": state.start,
                "end": state.end,
                "version": state.version,
            },
            key=["id"],
        )
        if not applied:
            return  # a stale or repeated version: the newer state already did its work
        if state.status is SessionStatus.COMPLETED:
            pair = Pair(
                state.organization, state.program_id, state.match_id, state.mentor_id, state.mentee_id
            )
            await open_session_requests(
                session, pair=pair, session_id=state.id, ended_at=state.end, settings=settings
            )
        else:
            await withdraw_requests(
                session, match_id=state.match_id, kind=RequestKind.SESSION, session_id=state.id
            )
        await monitoring.evaluate_match(session, match_id=state.match_id, now=utcnow(), settings=settings)
        # The weekly rollup last, as every writer does (match health before rollup rows).
        if previous is not None:
            await add_to_week(
                session,
                organization=state.organization,
                program_id=previous.program_id,
                week_start=cadence.week_start(previous.start),
                deltas=session_contribution(previous.status, -1),
            )
        await add_to_week(
            session,
            organization=state.organization,
            program_id=state.program_id,
            week_start=cadence.week_start(state.start),
            deltas=session_contribution(state.status.value),
        )

    return handlers


def consumers(runtime: Runtime, settings: FeedbackSettings) -> Sequence[EventConsumer]:
    """One durable consumer per stream this service reads."""

    def consumer(source: str, handlers: Handlers) -> EventConsumer:
        return EventConsumer(
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

    return [
        consumer("profiles", profiles_handlers()),
        consumer("matching", matching_handlers(settings)),
        consumer("scheduling", scheduling_handlers(settings)),
    ]
