"""Event consumers: read models of programs, people, enrollments, matches and sessions (and, for
outcomes, profile histories, goals and course assignments: `outcomes.handlers`), and the
feedback work those events start (`service.reactions`: requests to open, health to re-evaluate).

`SOURCES` gives the handlers per publishing service (the worker builds one consumer per stream).
Read models are version-checked (`upsert_if_newer`), so replays and out-of-order delivery
converge to the newest state; the follow-up work keys on the read model's state after the event,
not on the event alone, so a stale event does nothing a newer one already undid.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.circle_handlers import add_circle_handlers
from feedback.config import FeedbackSettings, settings_of
from feedback.matches import is_live
from feedback.models import ENROLLMENTS, MATCHES, PEOPLE, PROGRAMS, SESSIONS
from feedback.outcomes.handlers import record_person_version, training_handlers, workspace_handlers
from feedback.personal_data import PERSONAL_DATA
from feedback.service.reactions import match_changed, session_changed
from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.matching import (
    MatchAccepted,
    MatchActivated,
    MatchDeclined,
    MatchEnded,
    MatchExpired,
    MatchProposed,
    MatchRequested,
    MatchState,
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
)
from shared.events import CloudEvent
from shared.locks import advisory_lock
from shared.read_models import upsert_if_newer
from shared.runtime import Runtime

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
                "objective": program.objective.value,
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
        await record_person_version(session, person)  # the history outcomes are measured on

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
        # Replicas handling two events of one match at once must not both read the old state.
        await advisory_lock(session, f"feedback.match.{match.id}")
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
        if is_live(match.status.value):
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
        await match_changed(session, match_id=match.id, now=utcnow(), settings=settings)

    return handlers


def scheduling_handlers(settings: FeedbackSettings) -> Handlers:
    handlers = Handlers()

    @handlers.on(SessionScheduled, SessionRescheduled, SessionCanceled, SessionCompleted, SessionNoShow)
    async def on_session(session: AsyncSession, envelope: CloudEvent, event: SessionCompleted) -> None:
        state = event.session
        await advisory_lock(session, f"feedback.session.{state.id}")
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
        await session_changed(session, state=state, previous=previous, now=utcnow(), settings=settings)

    return handlers


def handlers_by_source(runtime: Runtime) -> Mapping[str, Handlers]:
    """The handlers of each stream this service reads (they need the service's settings)."""
    settings = settings_of(runtime)
    matching, scheduling = matching_handlers(settings), scheduling_handlers(settings)
    add_circle_handlers(matching=matching, scheduling=scheduling)
    return {
        "profiles": profiles_handlers(),
        "matching": matching,
        "scheduling": scheduling,
        "workspace": workspace_handlers(settings),
        "training": training_handlers(),
    }


SOURCES = PERSONAL_DATA.sources(handlers_by_source)
