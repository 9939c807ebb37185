"""Event consumers: the read models of people, programs and matches (and, from workspace, which
programs require a signed agreement before the first session and which pairs signed theirs), and
their consequences.

Read models are version-checked (`upsert_if_newer`), so replays and out-of-order deliveries
converge on the newest state. A consequence (canceling sessions, revoking a leaver's calendar
feeds) follows only from a state change that applied, and is written in the consumer's
transaction with its events.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import (
    AgreementRule,
    Circle,
    CircleMember,
    Enrollment,
    Match,
    MatchStatus,
    Person,
    Program,
    SignedAgreement,
)
from scheduling.personal_data import PERSONAL_DATA
from scheduling.service.calendar_feeds import revoke_feeds_of
from scheduling.service.circle_sessions import cancel_future_circle_sessions, leave_future_sessions
from scheduling.service.flash import cancel_future_flash_sessions
from scheduling.service.lifecycle import cancel_future_sessions
from scheduling.service.proposals import withdraw_proposal
from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.matching import (
    CircleAccepted,
    CircleDeclined,
    CircleEnded,
    CircleMemberLeft,
    CircleMemberStatus,
    CircleStatus,
    MatchAccepted,
    MatchActivated,
    MatchEnded,
    MatchState,
)
from shared.contracts.profiles import (
    EnrollmentCreated,
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
from shared.contracts.workspace import AgreementSigned, ProgramSettingsUpdated
from shared.events import CloudEvent
from shared.read_models import upsert_if_newer

profiles_handlers = Handlers()
matching_handlers = Handlers()
workspace_handlers = Handlers()

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
            "skills": [skill.model_dump(mode="json") for skill in person.skills],
        },
        key=["id"],
    )
    if applied and not person.active:
        now = utcnow()
        await cancel_future_sessions(
            session, organization=person.organization, person_id=person.id, reason=PERSON_DEACTIVATED, now=now
        )
        # In circles only their own place in the coming sessions goes; their flash sessions are canceled.
        await leave_future_sessions(session, organization=person.organization, person_id=person.id, now=now)
        await cancel_future_flash_sessions(
            session, organization=person.organization, person_id=person.id, reason=PERSON_DEACTIVATED, now=now
        )
        # A leaver's calendar feed URLs stop working; reactivated, they create new ones.
        await revoke_feeds_of(session, organization=person.organization, person_id=person.id, now=now)


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
            "format": program.format.value,
            "format_settings": program.format_settings.model_dump(mode="json"),
        },
        key=["id"],
    )


@profiles_handlers.on(EnrollmentCreated, EnrollmentUpdated, EnrollmentWithdrawn)
async def on_enrollment(
    session: AsyncSession,
    envelope: CloudEvent,
    event: EnrollmentCreated | EnrollmentUpdated | EnrollmentWithdrawn,
) -> None:
    enrollment = event.enrollment
    applied = await upsert_if_newer(
        session,
        Enrollment.__table__,
        {
            "id": enrollment.id,
            "organization": enrollment.organization,
            "program_id": enrollment.program_id,
            "person_id": enrollment.person_id,
            "role": enrollment.role.value,
            "status": enrollment.status.value,
            "version": enrollment.version,
        },
        key=["id"],
    )
    if applied and enrollment.status in (EnrollmentStatus.WITHDRAWN, EnrollmentStatus.COMPLETED):
        # Out of a flash program: their coming flash sessions there go, with their office hours.
        await cancel_future_flash_sessions(
            session,
            organization=enrollment.organization,
            person_id=enrollment.person_id,
            program_id=enrollment.program_id,
            reason=f"enrollment {enrollment.status.value}",
            now=utcnow(),
        )


async def _upsert_match(session: AsyncSession, match: MatchState, status: MatchStatus) -> bool:
    return await upsert_if_newer(
        session,
        Match.__table__,
        {
            "id": match.id,
            "organization": match.organization,
            "program_id": match.program_id,
            "mentor_id": match.mentor_id,
            "mentee_id": match.mentee_id,
            "status": status.value,
            "end_reason": match.end_reason.value if match.end_reason else None,
            "started_at": match.updated_at if status is MatchStatus.ACTIVE else match.created_at,
            "ended_at": match.ended_at or (match.updated_at if status is MatchStatus.ENDED else None),
            "version": match.version,
        },
        key=["id"],
    )


@matching_handlers.on(MatchAccepted, MatchActivated)
async def on_match_started(
    session: AsyncSession, envelope: CloudEvent, event: MatchAccepted | MatchActivated
) -> None:
    await _upsert_match(session, event.match, MatchStatus.ACTIVE)


@matching_handlers.on(MatchEnded)
async def on_match_ended(session: AsyncSession, envelope: CloudEvent, event: MatchEnded) -> None:
    match = event.match
    if not await _upsert_match(session, match, MatchStatus.ENDED):
        return
    # The cancel reason keeps its first wording: it is stored on sessions and carried by their events.
    reason = f"mentorship ended ({match.end_reason.value})" if match.end_reason else "mentorship ended"
    await cancel_future_sessions(
        session, organization=match.organization, match_id=match.id, reason=reason, now=utcnow()
    )
    await withdraw_proposal(session, match.id)


@matching_handlers.on(CircleAccepted, CircleMemberLeft, CircleEnded, CircleDeclined)
async def on_circle(
    session: AsyncSession,
    envelope: CloudEvent,
    event: CircleAccepted | CircleMemberLeft | CircleEnded | CircleDeclined,
) -> None:
    """The circle's full state, whichever event brought it: converges however they arrive. Members
    no longer in it leave its coming sessions; an ended circle's coming sessions are canceled."""
    circle = event.circle
    running = circle.status == CircleStatus.ACCEPTED
    applied = await upsert_if_newer(
        session,
        Circle.__table__,
        {
            "id": circle.id,
            "organization": circle.organization,
            "program_id": circle.program_id,
            "topic": circle.topic,
            "status": (MatchStatus.ACTIVE if running else MatchStatus.ENDED).value,
            "version": circle.version,
        },
        key=["id"],
    )
    if not applied:
        return
    members = [
        {
            "circle_id": circle.id,
            "person_id": member.person_id,
            "role": member.role.value,
            "active": running and member.status == CircleMemberStatus.ACTIVE,
        }
        for member in circle.members
    ]
    statement = insert(CircleMember).values(members)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CircleMember.circle_id, CircleMember.person_id],
            set_={"role": statement.excluded.role, "active": statement.excluded.active},
        )
    )
    now = utcnow()
    if not running:
        reason = f"circle ended ({circle.end_reason.value})" if circle.end_reason else "circle ended"
        await cancel_future_circle_sessions(
            session, organization=circle.organization, circle_id=circle.id, reason=reason, now=now
        )
        return
    for member in circle.members:
        if member.status != CircleMemberStatus.ACTIVE:
            await leave_future_sessions(
                session,
                organization=circle.organization,
                person_id=member.person_id,
                circle_id=circle.id,
                now=now,
            )


@workspace_handlers.on(ProgramSettingsUpdated)
async def on_program_settings(
    session: AsyncSession, envelope: CloudEvent, event: ProgramSettingsUpdated
) -> None:
    """Whether the program requires a signed agreement before the first session (booking checks)."""
    await upsert_if_newer(
        session,
        AgreementRule.__table__,
        {
            "program_id": event.program_id,
            "organization": envelope.organization,
            "required": event.agreement_required_before_first_session,
            "version": event.version,
        },
        key=["program_id"],
    )


@workspace_handlers.on(AgreementSigned)
async def on_agreement_signed(session: AsyncSession, envelope: CloudEvent, event: AgreementSigned) -> None:
    """Both members signed (a version of) their agreement: the pair may book its first session."""
    await upsert_if_newer(
        session,
        SignedAgreement.__table__,
        {
            "match_id": event.match_id,
            "organization": envelope.organization,
            "version": event.version,
            "signed_at": max(event.mentor_signed_at, event.mentee_signed_at),
        },
        key=["match_id"],
    )


# The streams scheduling reads, and its handlers of each (consumers built by shared.worker).
SOURCES = PERSONAL_DATA.sources(
    {"profiles": profiles_handlers, "matching": matching_handlers, "workspace": workspace_handlers}
)
