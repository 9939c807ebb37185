"""Event consumers: read models of people, programs, matches and open feedback requests, and the
notifications each event means for the people concerned (service/notices.py).

Read models are version-checked (`upsert_if_newer`), so replays and out-of-order deliveries
converge. Notifications are keyed by event id, person and kind, so a redelivered event notifies
nobody twice. Relationship-at-risk notices go to the organization's program admins (its settings:
profiles' events carry no roles), never to the pair.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import queries
from notifications.models import FeedbackRequest, Goal, Match, Person, Program
from notifications.personal_data import PERSONAL_DATA
from notifications.service.notices import Notice, NotYetKnown, cancel_pending, notify
from shared.clock import utcnow
from shared.consumer import Handlers
from shared.contracts.feedback import (
    CheckinSubmitted,
    CloseoutSubmitted,
    FeedbackRequested,
    FeedbackSubmitted,
    MatchAtRisk,
    RequestKind,
)
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
    PersonCreated,
    PersonDeactivated,
    PersonReactivated,
    PersonUpdated,
    ProgramCreated,
    ProgramUpdated,
)
from shared.contracts.scheduling import (
    SessionCanceled,
    SessionReminderDue,
    SessionRescheduled,
    SessionScheduled,
    SessionState,
)
from shared.contracts.training import TrainingAssigned, TrainingOverdue
from shared.contracts.workspace import (
    ActionItemOverdue,
    GoalCompleted,
    GoalCreated,
    GoalProgressed,
    GoalUpdated,
)
from shared.events import CloudEvent
from shared.read_models import upsert_if_newer

profiles_handlers = Handlers()
matching_handlers = Handlers()
scheduling_handlers = Handlers()
feedback_handlers = Handlers()
training_handlers = Handlers()
workspace_handlers = Handlers()

DEACTIVATED = "the person was deactivated"


# --- profiles ----------------------------------------------------------------------------------------


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
            "language": (person.languages[0] if person.languages else "en")[:16],
            "active": person.active,
            "version": person.version,
        },
        key=["id"],
    )
    if applied and not person.active:
        await cancel_pending(session, person_id=person.id, reason=DEACTIVATED)


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
            "version": program.version,
        },
        key=["id"],
    )


# --- matching ---------------------------------------------------------------------------------------


async def _upsert_match(session: AsyncSession, match: MatchState) -> None:
    await upsert_if_newer(
        session,
        Match.__table__,
        {
            "id": match.id,
            "organization": match.organization,
            "program_id": match.program_id,
            "mentor_id": match.mentor_id,
            "mentee_id": match.mentee_id,
            "status": match.status.value,
            "version": match.version,
        },
        key=["id"],
    )


async def _names(session: AsyncSession, *ids: uuid.UUID) -> dict[uuid.UUID, str]:
    """The names of people an event names; raises NotYetKnown (the event is retried) for one that
    profiles' stream has not brought yet."""
    found = await queries.people(session, ids)
    missing = [str(person_id) for person_id in ids if person_id not in found]
    if missing:
        raise NotYetKnown(f"people {', '.join(missing)} are not known yet")
    return {person_id: found[person_id].name for person_id in ids}


async def _program_name(session: AsyncSession, program_id: uuid.UUID) -> str:
    name = await queries.program_name(session, program_id)
    if not name:
        raise NotYetKnown(f"program {program_id} is not known yet")
    return name


async def _match_notices(
    session: AsyncSession, envelope: CloudEvent, match: MatchState, kind: str, *, to: tuple[str, ...]
) -> list[Notice]:
    names = await _names(session, match.mentor_id, match.mentee_id)
    program = await _program_name(session, match.program_id)
    sides = {
        "mentee": (match.mentee_id, match.mentor_id, "mentor"),
        "mentor": (match.mentor_id, match.mentee_id, "mentee"),
    }
    notices = []
    for side in to:
        person_id, other_id, other_role = sides[side]
        notices.append(
            Notice(
                organization=match.organization,
                person_id=person_id,
                kind=kind,
                source_key=str(envelope.id),
                context={
                    "other_name": names[other_id],
                    "other_role": other_role,
                    "program_name": program,
                    "match_id": str(match.id),
                },
            )
        )
    return notices


_MATCH_KINDS: dict[type[Any], tuple[str, tuple[str, ...]]] = {
    MatchProposed: ("match_proposed", ("mentee", "mentor")),
    MatchRequested: ("match_requested", ("mentor",)),
    MatchAccepted: ("match_accepted", ("mentee", "mentor")),
    MatchDeclined: ("match_declined", ("mentee", "mentor")),
}


@matching_handlers.on(MatchProposed, MatchRequested, MatchAccepted, MatchDeclined)
async def on_match_news(
    session: AsyncSession,
    envelope: CloudEvent,
    event: MatchProposed | MatchRequested | MatchAccepted | MatchDeclined,
) -> None:
    await _upsert_match(session, event.match)
    kind, to = _MATCH_KINDS[type(event)]
    await notify(session, await _match_notices(session, envelope, event.match, kind, to=to), now=utcnow())


@matching_handlers.on(MatchActivated, MatchEnded, MatchExpired)
async def on_match_state(
    session: AsyncSession, envelope: CloudEvent, event: MatchActivated | MatchEnded | MatchExpired
) -> None:
    await _upsert_match(session, event.match)


# --- scheduling -------------------------------------------------------------------------------------


async def _session_notices(
    session: AsyncSession,
    envelope: CloudEvent,
    state: SessionState,
    kind: str,
    *,
    to: tuple[uuid.UUID, ...] | None = None,
    **extra: Any,
) -> list[Notice]:
    names = await _names(session, state.mentor_id, state.mentee_id)
    program = await _program_name(session, state.program_id)
    others = {state.mentor_id: state.mentee_id, state.mentee_id: state.mentor_id}
    base = {
        "program_name": program,
        "session_id": str(state.id),
        "session_start": state.start.isoformat(),
        "session_end": state.end.isoformat(),
        "session_format": state.format.value,
        "meeting_url": state.meeting_url,
        "location": state.location,
        # What the calendar invitation is built from (not a template variable).
        "calendar": state.model_dump(mode="json"),
        **extra,
    }
    return [
        Notice(
            organization=state.organization,
            person_id=person_id,
            kind=kind,
            source_key=str(envelope.id),
            context={**base, "other_name": names.get(others.get(person_id, person_id), "")},
        )
        for person_id in (to or (state.mentee_id, state.mentor_id))
    ]


@scheduling_handlers.on(SessionScheduled)
async def on_session_booked(session: AsyncSession, envelope: CloudEvent, event: SessionScheduled) -> None:
    await notify(
        session, await _session_notices(session, envelope, event.session, "session_booked"), now=utcnow()
    )


@scheduling_handlers.on(SessionRescheduled)
async def on_session_moved(session: AsyncSession, envelope: CloudEvent, event: SessionRescheduled) -> None:
    notices = await _session_notices(
        session,
        envelope,
        event.session,
        "session_rescheduled",
        previous_start=event.previous_start.isoformat(),
    )
    await notify(session, notices, now=utcnow())


@scheduling_handlers.on(SessionCanceled)
async def on_session_canceled(session: AsyncSession, envelope: CloudEvent, event: SessionCanceled) -> None:
    notices = await _session_notices(
        session, envelope, event.session, "session_canceled", cancel_reason=event.session.cancel_reason
    )
    await notify(session, notices, now=utcnow())


@scheduling_handlers.on(SessionReminderDue)
async def on_reminder(session: AsyncSession, envelope: CloudEvent, event: SessionReminderDue) -> None:
    notices = await _session_notices(
        session,
        envelope,
        event.session,
        "session_reminder",
        to=(event.recipient_id,),
        minutes_before=event.minutes_before,
    )
    await notify(session, notices, now=utcnow())


# --- feedback ----------------------------------------------------------------------------------------

_REQUEST_KINDS = {
    RequestKind.SESSION: "feedback_requested",
    RequestKind.CHECKIN: "checkin_due",
    RequestKind.CLOSEOUT: "closeout_survey",
}


async def feedback_context(
    session: AsyncSession, *, match_id: uuid.UUID, program_id: uuid.UUID, respondent_id: uuid.UUID
) -> dict[str, Any]:
    match = await queries.match(session, match_id)
    if match is None:
        raise NotYetKnown(f"match {match_id} is not known yet")
    other_id = match.mentee_id if match.mentor_id == respondent_id else match.mentor_id
    names = await _names(session, other_id)
    return {
        "program_name": await _program_name(session, program_id),
        "other_name": names[other_id],
    }


@feedback_handlers.on(FeedbackRequested)
async def on_feedback_requested(
    session: AsyncSession, envelope: CloudEvent, event: FeedbackRequested
) -> None:
    request = event.request
    await session.execute(
        insert(FeedbackRequest)
        .values(
            id=request.id,
            organization=request.organization,
            kind=request.kind.value,
            match_id=request.match_id,
            program_id=request.program_id,
            respondent_id=request.respondent_id,
            due_at=request.due_at,
        )
        .on_conflict_do_update(
            index_elements=["id"], set_={"due_at": request.due_at, "answered": False, "reminded": False}
        )
    )
    context = await feedback_context(
        session, match_id=request.match_id, program_id=request.program_id, respondent_id=request.respondent_id
    )
    notice = Notice(
        organization=request.organization,
        person_id=request.respondent_id,
        kind=_REQUEST_KINDS[request.kind],
        source_key=str(envelope.id),
        context={**context, "request_id": str(request.id), "due_at": request.due_at.isoformat()},
    )
    await notify(session, [notice], now=utcnow())


@feedback_handlers.on(FeedbackSubmitted, CheckinSubmitted, CloseoutSubmitted)
async def on_answered(
    session: AsyncSession,
    envelope: CloudEvent,
    event: FeedbackSubmitted | CheckinSubmitted | CloseoutSubmitted,
) -> None:
    await session.execute(
        update(FeedbackRequest).where(FeedbackRequest.id == event.submission.request_id).values(answered=True)
    )


# Only the current name of the event: its deprecated twin (RelationshipAtRisk) carries the same data.
@feedback_handlers.on(MatchAtRisk)
async def on_at_risk(session: AsyncSession, envelope: CloudEvent, event: MatchAtRisk) -> None:
    settings = await queries.organization_settings(session, envelope.organization)
    if settings is None:
        return
    pair = {event.mentor_id, event.mentee_id}
    admins = [uuid.UUID(value) for value in settings.admin_recipients if uuid.UUID(value) not in pair]
    names = await _names(session, event.mentor_id, event.mentee_id)
    context = {
        "mentor_name": names[event.mentor_id],
        "mentee_name": names[event.mentee_id],
        "program_name": await _program_name(session, event.program_id),
        "match_id": str(event.match_id),
        "score": event.score,
        "reasons": list(event.reasons),
    }
    notices = [
        Notice(
            organization=envelope.organization,
            person_id=admin,
            kind="relationship_at_risk",
            source_key=str(envelope.id),
            context=context,
        )
        for admin in admins
    ]
    await notify(session, notices, now=utcnow())


# --- training -----------------------------------------------------------------------------------------


@training_handlers.on(TrainingAssigned, TrainingOverdue)
async def on_training(
    session: AsyncSession, envelope: CloudEvent, event: TrainingAssigned | TrainingOverdue
) -> None:
    assignment = event.assignment
    kind = "training_assigned" if isinstance(event, TrainingAssigned) else "training_overdue"
    notice = Notice(
        organization=assignment.organization,
        person_id=assignment.person_id,
        kind=kind,
        source_key=str(envelope.id),
        context={
            "program_name": await _program_name(session, assignment.program_id),
            "assignment_id": str(assignment.id),
            "due_at": assignment.due_at.isoformat(),
            "modules_done": assignment.modules_done,
            "modules_total": assignment.modules_total,
        },
    )
    await notify(session, [notice], now=utcnow())


# --- workspace ----------------------------------------------------------------------------------------


@workspace_handlers.on(GoalCreated, GoalUpdated, GoalProgressed, GoalCompleted)
async def on_goal(
    session: AsyncSession,
    envelope: CloudEvent,
    event: GoalCreated | GoalUpdated | GoalProgressed | GoalCompleted,
) -> None:
    goal = event.goal
    await upsert_if_newer(
        session,
        Goal.__table__,
        {
            "id": goal.id,
            "organization": goal.organization,
            "match_id": goal.match_id,
            "program_id": goal.program_id,
            "mentee_id": goal.mentee_id,
            "status": goal.status.value,
            "percent": goal.percent,
            "target_date": goal.target_date,
            "version": goal.version,
        },
        key=["id"],
    )


@workspace_handlers.on(ActionItemOverdue)
async def on_action_item_overdue(
    session: AsyncSession, envelope: CloudEvent, event: ActionItemOverdue
) -> None:
    other_id = event.mentee_id if event.owner_id == event.mentor_id else event.mentor_id
    names = await _names(session, other_id)
    notice = Notice(
        organization=envelope.organization,
        person_id=event.owner_id,
        kind="action_item_overdue",
        source_key=str(envelope.id),
        context={
            "program_name": await _program_name(session, event.program_id),
            "other_name": names[other_id],
            "match_id": str(event.match_id),
            "action_item_id": str(event.action_item_id),
            "due_date": event.due_date.isoformat(),
        },
    )
    await notify(session, [notice], now=utcnow())


# The streams notifications reads, and its handlers of each (consumers built by shared.worker).
# A new kind from a stream already read is a template and a handler line here.
SOURCES = PERSONAL_DATA.sources(
    {
        "profiles": profiles_handlers,
        "matching": matching_handlers,
        "scheduling": scheduling_handlers,
        "feedback": feedback_handlers,
        "training": training_handlers,
        "workspace": workspace_handlers,
    }
)
