"""Event consumers: the read models of people, programs, matches and sessions, the workspaces they
open and close, and the at-risk cases feedback's early warning opens.

Read models are version-checked (`upsert_if_newer`), so replays and out-of-order deliveries
converge on the newest state; a workspace's state is re-decided from them after every change that
applied. Everything a handler does commits with its inbox row, so a redelivered event is harmless.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.feedback import MatchAtRisk, MatchRecovered
from shared.contracts.matching import (
    CircleAccepted,
    CircleDeclined,
    CircleEnded,
    CircleMemberLeft,
    MatchAccepted,
    MatchActivated,
    MatchEnded,
)
from shared.contracts.profiles import (
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
from shared.read_models import upsert_if_newer
from workspace.models import MATCHES, PEOPLE, PROGRAMS, SESSIONS
from workspace.personal_data import PERSONAL_DATA
from workspace.service import circles, facilitation
from workspace.service.workspaces import sync_workspace, sync_workspaces_of

profiles_handlers = Handlers()
matching_handlers = Handlers()
scheduling_handlers = Handlers()
feedback_handlers = Handlers()


@profiles_handlers.on(PersonCreated, PersonUpdated, PersonDeactivated, PersonReactivated)
async def on_person(
    session: AsyncSession,
    envelope: CloudEvent,
    event: PersonCreated | PersonUpdated | PersonDeactivated | PersonReactivated,
) -> None:
    person = event.person
    applied = await upsert_if_newer(
        session,
        PEOPLE,
        {
            "id": person.id,
            "organization": person.organization,
            "name": person.name,
            "time_zone": person.time_zone,
            "skills": sorted({level.skill for level in person.skills}),
            "learning_interests": sorted({interest.skill for interest in person.learning_interests}),
            "active": person.active,
            "version": person.version,
        },
        key=["id"],
    )
    if applied:
        # A leaver's workspaces close (read-only, nothing deleted); a returning person's reopen
        # if their match is still live.
        await sync_workspaces_of(session, person_id=person.id, now=utcnow())


@profiles_handlers.on(ProgramCreated, ProgramUpdated)
async def on_program(
    session: AsyncSession, envelope: CloudEvent, event: ProgramCreated | ProgramUpdated
) -> None:
    program = event.program
    await upsert_if_newer(
        session,
        PROGRAMS,
        {
            "id": program.id,
            "organization": program.organization,
            "name": program.name,
            "objective": program.objective.value,
            "status": program.status.value,
            "version": program.version,
        },
        key=["id"],
    )


@matching_handlers.on(MatchAccepted, MatchActivated, MatchEnded)
async def on_match(
    session: AsyncSession, envelope: CloudEvent, event: MatchAccepted | MatchActivated | MatchEnded
) -> None:
    match = event.match
    applied = await upsert_if_newer(
        session,
        MATCHES,
        {
            "id": match.id,
            "organization": match.organization,
            "program_id": match.program_id,
            "mentor_id": match.mentor_id,
            "mentee_id": match.mentee_id,
            "status": match.status.value,
            "end_reason": match.end_reason.value if match.end_reason else None,
            "updated_at": match.updated_at,
            "version": match.version,
        },
        key=["id"],
    )
    if applied:
        await sync_workspace(session, match_id=match.id, now=utcnow())


@matching_handlers.on(CircleAccepted, CircleMemberLeft, CircleEnded, CircleDeclined)
async def on_circle(
    session: AsyncSession,
    envelope: CloudEvent,
    event: CircleAccepted | CircleMemberLeft | CircleEnded | CircleDeclined,
) -> None:
    # A member who left reads the circle's workspace but no longer writes in it; an ended circle's
    # workspace is read-only.
    await circles.apply_circle(session, event.circle)


@scheduling_handlers.on(
    SessionScheduled, SessionRescheduled, SessionCanceled, SessionCompleted, SessionNoShow
)
async def on_session(
    session: AsyncSession,
    envelope: CloudEvent,
    event: SessionScheduled | SessionRescheduled | SessionCanceled | SessionCompleted | SessionNoShow,
) -> None:
    state = event.session
    applied = await upsert_if_newer(
        session,
        SESSIONS,
        {
            "id": state.id,
            "organization": state.organization,
            "match_id": state.match_id,
            "program_id": state.program_id,
            "format": state.format.value,
            "status": state.status.value,
            "starts_at": state.start,
            "ends_at": state.end,
            "version": state.version,
        },
        key=["id"],
    )
    if applied and isinstance(event, SessionScheduled) and state.facilitator_id is not None:
        # A facilitated check-in an admin opened with the pair: an action on its open case.
        await facilitation.note_check_in(
            session,
            organization=envelope.organization,
            match_id=state.match_id,
            facilitator_id=state.facilitator_id,
            now=utcnow(),
        )


@feedback_handlers.on(MatchAtRisk)
async def on_match_at_risk(session: AsyncSession, envelope: CloudEvent, event: MatchAtRisk) -> None:
    # Only the current name: feedback publishes the deprecated `relationship.at_risk` alongside it
    # with the same data, and one crossing is one case.
    await facilitation.open_case_at_risk(
        session, organization=envelope.organization, event=event, now=utcnow()
    )


@feedback_handlers.on(MatchRecovered)
async def on_match_recovered(session: AsyncSession, envelope: CloudEvent, event: MatchRecovered) -> None:
    await facilitation.note_recovery(session, organization=envelope.organization, event=event, now=utcnow())


# The streams the workspace reads, and its handlers of each (consumers built by shared.worker).
SOURCES = PERSONAL_DATA.sources(
    {
        "profiles": profiles_handlers,
        "matching": matching_handlers,
        "scheduling": scheduling_handlers,
        "feedback": feedback_handlers,
    }
)
