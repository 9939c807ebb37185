"""Consumers of profiles events (the read model of people, programs and enrollments) and of
feedback events (ratings of matches, kept for calibrating weights).

Each handler upserts the entity only if the event carries a newer version, so replays and
out-of-order delivery converge on the latest state. Effects on matches follow the state that won,
not the event type: whenever a person is inactive, an enrollment is no longer live or a program is
closed, their open and live matches end, each with a MatchEnded event written in the consumer's
transaction (through the outbox), together with the inbox row of the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.candidates import ELIGIBLE_ENROLLMENT
from matching.models import (
    Enrollment,
    Match,
    MatchFeedback,
    MentorSlots,
    Person,
    Program,
    ReadModelRevision,
    SkillLabel,
    messaging,
)
from matching.transitions import end_matches
from shared.consumer import EventConsumer, Handlers
from shared.contracts.feedback import (
    CheckinSubmitted,
    CloseoutSubmitted,
    FeedbackSubmitted,
    ParticipantRole,
    RequestKind,
)
from shared.contracts.matching import MatchEndReason
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    EnrollmentState,
    EnrollmentStatus,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    MatchingMode,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonState,
    PersonUpdated,
    ProgramCreated,
    ProgramState,
    ProgramStatus,
    ProgramUpdated,
    ScoreComponent,
    Seniority,
    SkillCreated,
)
from shared.events import CloudEvent
from shared.read_models import upsert_if_newer
from shared.runtime import Runtime

handlers = Handlers()  # profiles events
feedback_handlers = Handlers()  # feedback events

_PROFILE_FIELDS = (
    "bio",
    "goals",
    "skills",
    "learning_interests",
    "guidance",
    "specializations",
    "learning_style",
    "availability",
    "availability_overrides",
)


async def bump_revision(session: AsyncSession, organization: str) -> None:
    """Mark the organization's read model changed, so cached candidate pools are rebuilt."""
    statement = insert(ReadModelRevision).values(organization=organization, revision=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReadModelRevision.organization],
            set_={"revision": ReadModelRevision.revision + 1},
        )
    )


async def refresh_mentor_slots(
    session: AsyncSession, *, person_id: uuid.UUID | None = None, enrollment_id: uuid.UUID | None = None
) -> None:
    """Recompute mentor capacity per program from the enrollment (its override) and the person.

    Capacity is 0 while the person is inactive or unknown yet (events of different entities can
    arrive in any order) or the enrollment is not live; slots already held are kept as they are.
    """
    query = (
        select(Enrollment, Person)
        .outerjoin(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.role == EnrollmentRole.MENTOR.value)
    )
    if person_id is not None:
        query = query.where(Enrollment.person_id == person_id)
    if enrollment_id is not None:
        query = query.where(Enrollment.id == enrollment_id)
    for enrollment, person in (await session.execute(query)).all():
        live = enrollment.status in ELIGIBLE_ENROLLMENT and person is not None and person.active
        capacity = 0
        if live:
            capacity = (
                enrollment.mentor_capacity
                if enrollment.mentor_capacity is not None
                else person.mentor_capacity
            )
        statement = insert(MentorSlots).values(
            program_id=enrollment.program_id,
            mentor_id=enrollment.person_id,
            organization=enrollment.organization,
            capacity=capacity,
            used=0,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[MentorSlots.program_id, MentorSlots.mentor_id],
                set_={"capacity": statement.excluded.capacity},
            )
        )


def _person_values(person: PersonState) -> dict[str, object]:
    document = person.model_dump(mode="json")
    return {
        "id": person.id,
        "organization": person.organization,
        "version": person.version,
        "name": person.name,
        "title": person.title,
        "department": person.department,
        "manager_id": person.manager_id,
        "seniority": Seniority(person.seniority).value if person.seniority else None,
        "years_of_experience": person.years_of_experience,
        "time_zone": person.time_zone,
        "languages": list(person.languages),
        "mentor_capacity": person.mentor_capacity,
        "active": person.active,
        "profile": {field: document.get(field) for field in _PROFILE_FIELDS},
        "updated_at": person.updated_at,
    }


@handlers.on(PersonCreated, PersonUpdated, PersonDeactivated, PersonReactivated)
async def on_person(
    session: AsyncSession,
    envelope: CloudEvent,
    event: PersonCreated | PersonUpdated | PersonDeactivated | PersonReactivated,
) -> None:
    person = event.person
    if not await upsert_if_newer(session, Person.__table__, _person_values(person), key=["id"]):
        return  # stale or repeated: the newer state already took effect
    await bump_revision(session, person.organization)
    await refresh_mentor_slots(session, person_id=person.id)
    if not person.active:
        await end_matches(
            session,
            organization=person.organization,
            person_id=person.id,
            reason=MatchEndReason.PERSON_DEACTIVATED,
        )


def _program_values(program: ProgramState) -> dict[str, object]:
    return {
        "id": program.id,
        "organization": program.organization,
        "version": program.version,
        "name": program.name,
        "status": ProgramStatus(program.status).value,
        "matching_mode": MatchingMode(program.matching_mode).value,
        "score_weights": {
            ScoreComponent(name).value: weight for name, weight in program.score_weights.items()
        },
        "session_length_minutes": program.session_length_minutes,
        "exclude_same_department": program.exclude_same_department,
        "cohort_start": program.cohort_start,
        "cohort_end": program.cohort_end,
        "updated_at": program.updated_at,
    }


@handlers.on(ProgramCreated, ProgramUpdated)
async def on_program(
    session: AsyncSession, envelope: CloudEvent, event: ProgramCreated | ProgramUpdated
) -> None:
    program = event.program
    if not await upsert_if_newer(session, Program.__table__, _program_values(program), key=["id"]):
        return
    await bump_revision(session, program.organization)
    if ProgramStatus(program.status) is ProgramStatus.CLOSED:
        await end_matches(
            session,
            organization=program.organization,
            program_id=program.id,
            reason=MatchEndReason.PROGRAM_CLOSED,
        )


def _enrollment_values(enrollment: EnrollmentState) -> dict[str, object]:
    return {
        "id": enrollment.id,
        "organization": enrollment.organization,
        "version": enrollment.version,
        "program_id": enrollment.program_id,
        "person_id": enrollment.person_id,
        "role": EnrollmentRole(enrollment.role).value,
        "status": EnrollmentStatus(enrollment.status).value,
        "goals": list(enrollment.goals),
        "mentor_capacity": enrollment.mentor_capacity,
        "updated_at": enrollment.updated_at,
    }


_END_REASON_OF_ENROLLMENT: dict[EnrollmentStatus, MatchEndReason] = {
    EnrollmentStatus.WITHDRAWN: MatchEndReason.ENROLLMENT_WITHDRAWN,
    EnrollmentStatus.COMPLETED: MatchEndReason.COMPLETED,
}


@handlers.on(EnrollmentCreated, EnrollmentUpdated, EnrollmentWithdrawn)
async def on_enrollment(
    session: AsyncSession,
    envelope: CloudEvent,
    event: EnrollmentCreated | EnrollmentUpdated | EnrollmentWithdrawn,
) -> None:
    enrollment = event.enrollment
    if not await upsert_if_newer(session, Enrollment.__table__, _enrollment_values(enrollment), key=["id"]):
        return
    await bump_revision(session, enrollment.organization)
    if EnrollmentRole(enrollment.role) is EnrollmentRole.MENTOR:
        await refresh_mentor_slots(session, enrollment_id=enrollment.id)
    reason = _END_REASON_OF_ENROLLMENT.get(EnrollmentStatus(enrollment.status))
    if reason is not None:
        await end_matches(
            session,
            organization=enrollment.organization,
            person_id=enrollment.person_id,
            program_id=enrollment.program_id,
            reason=reason,
        )


@handlers.on(SkillCreated)
async def on_skill(session: AsyncSession, envelope: CloudEvent, event: SkillCreated) -> None:
    skill = event.skill
    statement = insert(SkillLabel).values(organization=skill.organization, slug=skill.slug, label=skill.label)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SkillLabel.organization, SkillLabel.slug],
            set_={"label": statement.excluded.label},
        )
    )
    await bump_revision(session, skill.organization)  # cached pools hold the labels


@feedback_handlers.on(FeedbackSubmitted, CheckinSubmitted, CloseoutSubmitted)
async def on_feedback(
    session: AsyncSession,
    envelope: CloudEvent,
    event: FeedbackSubmitted | CheckinSubmitted | CloseoutSubmitted,
) -> None:
    """Keep each rating with the match's score breakdown (submissions never change: first one wins)."""
    submission = event.submission
    match = await session.scalar(
        select(Match).where(Match.id == submission.match_id, Match.organization == submission.organization)
    )
    statement = insert(MatchFeedback).values(
        submission_id=submission.id,
        organization=submission.organization,
        program_id=submission.program_id,
        match_id=submission.match_id,
        kind=RequestKind(submission.kind).value,
        respondent_role=ParticipantRole(submission.respondent_role).value,
        rating=submission.rating,
        mentor_rating=submission.mentor_rating,
        goal_progress=submission.goal_progress,
        nps=submission.nps,
        scores=dict(submission.scores),
        match_score=match.score if match is not None else None,
        score_breakdown=match.score_breakdown if match is not None else None,
        submitted_at=submission.submitted_at,
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[MatchFeedback.submission_id]))


def consumers(runtime: Runtime) -> Sequence[EventConsumer]:
    """Durable consumers of the profiles and feedback streams, each shared by every worker replica."""
    settings = runtime.settings
    return [
        EventConsumer(
            name="matching",
            source_service=source,
            handlers=source_handlers,
            sessions=runtime.sessions,
            inbox=messaging.inbox,
            js=runtime.js,
            namespace=settings.event_namespace,
            batch_size=settings.consumer_batch_size,
            max_deliver=settings.consumer_max_deliver,
        )
        for source, source_handlers in (("profiles", handlers), ("feedback", feedback_handlers))
    ]
