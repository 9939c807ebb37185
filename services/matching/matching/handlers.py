"""Consumers of profiles events (the read model of people, programs, enrollments and skills), of
feedback events (ratings of matches, kept for calibrating weights) and of training events (readiness
gates and course progress, which hold people back from matching): one function per event type,
each applying its use case in the consumer's transaction, together with the event's inbox row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from matching.personal_data import PERSONAL_DATA
from matching.service import feedback, flash_matches, read_model, readiness
from shared.consumer import Handlers, PoisonEvent
from shared.contracts.feedback import CheckinSubmitted, CloseoutSubmitted, FeedbackSubmitted
from shared.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentUpdated,
    EnrollmentWithdrawn,
    PersonalityUpdated,
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonUpdated,
    ProgramCreated,
    ProgramUpdated,
    SelfIdentificationUpdated,
    SkillCreated,
)
from shared.contracts.scheduling import FlashMatchAgreed
from shared.contracts.training import (
    ReadinessGatesUpdated,
    TrainingAssigned,
    TrainingAssignmentClosed,
    TrainingAssignmentUpdated,
    TrainingCompleted,
    TrainingModuleCompleted,
    TrainingOverdue,
)
from shared.events import CloudEvent
from shared.logging import describe_error

profiles_handlers = Handlers()
feedback_handlers = Handlers()
training_handlers = Handlers()
scheduling_handlers = Handlers()


def _refused_as_data(error: DBAPIError) -> bool:
    """Whether PostgreSQL refused a value itself (SQLSTATE class 22, "data exception": a name longer
    than its column, a NUL character): the same event fails the same way on every delivery."""
    return str(getattr(error.orig, "sqlstate", "") or "").startswith("22")


# A run of person events (a bulk import, a catch-up, a rebuild from history) is applied set-based.
# If one of them cannot be applied, the consumer redoes the run event by event, and that one event,
# alone, is parked in the dead-letter stream at once rather than after every retry.
@profiles_handlers.on_batch(PersonCreated, PersonUpdated, PersonDeactivated, PersonReactivated)
async def on_people(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
    try:
        await read_model.apply_people(session, [event.person for _envelope, event in events])
    except DBAPIError as exc:
        if _refused_as_data(exc):
            # What the database refused, never its message (it quotes the offending value).
            raise PoisonEvent(f"matching's read model refuses the person: {describe_error(exc)}") from exc
        raise


@profiles_handlers.on(ProgramCreated, ProgramUpdated)
async def on_program(
    session: AsyncSession, envelope: CloudEvent, event: ProgramCreated | ProgramUpdated
) -> None:
    await read_model.apply_program(session, event.program)


@profiles_handlers.on(EnrollmentCreated, EnrollmentUpdated, EnrollmentWithdrawn)
async def on_enrollment(
    session: AsyncSession,
    envelope: CloudEvent,
    event: EnrollmentCreated | EnrollmentUpdated | EnrollmentWithdrawn,
) -> None:
    await read_model.apply_enrollment(session, event.enrollment)


@profiles_handlers.on(SkillCreated)
async def on_skill(session: AsyncSession, envelope: CloudEvent, event: SkillCreated) -> None:
    await read_model.apply_skill(session, event.skill)


@profiles_handlers.on(PersonalityUpdated)
async def on_personality(session: AsyncSession, envelope: CloudEvent, event: PersonalityUpdated) -> None:
    await read_model.apply_personality(session, event.personality)


@profiles_handlers.on(SelfIdentificationUpdated)
async def on_self_identification(
    session: AsyncSession, envelope: CloudEvent, event: SelfIdentificationUpdated
) -> None:
    await read_model.apply_self_identification(session, event.self_identification)


@feedback_handlers.on(FeedbackSubmitted, CheckinSubmitted, CloseoutSubmitted)
async def on_submission(
    session: AsyncSession,
    envelope: CloudEvent,
    event: FeedbackSubmitted | CheckinSubmitted | CloseoutSubmitted,
) -> None:
    await feedback.record_rating(session, event.submission)


# Every assignment event carries the full progress: a run of them (a bulk of enrollments) is one upsert.
@training_handlers.on_batch(
    TrainingAssigned,
    TrainingModuleCompleted,
    TrainingCompleted,
    TrainingOverdue,
    TrainingAssignmentUpdated,
    TrainingAssignmentClosed,
)
async def on_assignments(session: AsyncSession, events: list[tuple[CloudEvent, Any]]) -> None:
    await readiness.apply_assignments(session, [event.assignment for _envelope, event in events])


@training_handlers.on(ReadinessGatesUpdated)
async def on_readiness_gates(
    session: AsyncSession, envelope: CloudEvent, event: ReadinessGatesUpdated
) -> None:
    await readiness.apply_gates(session, event.gates)


@scheduling_handlers.on(FlashMatchAgreed)
async def on_flash_match_agreed(session: AsyncSession, envelope: CloudEvent, event: FlashMatchAgreed) -> None:
    await flash_matches.apply_flash_agreement(session, event.session)


# The streams matching reads, by publishing service (consumers are built by shared.worker).
SOURCES = PERSONAL_DATA.sources(
    {
        "profiles": profiles_handlers,
        "feedback": feedback_handlers,
        "training": training_handlers,
        "scheduling": scheduling_handlers,
    }
)
