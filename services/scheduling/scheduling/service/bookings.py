"""Booking a session of a match: in one of its common slots (video, in person) or as an async
check-in, with its blocked time, its reminders and its `SessionScheduled` event; refused while the
program requires an agreement the pair has not both signed (`service.agreements`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import queries
from scheduling.documents import session_state
from scheduling.meeting_links import render
from scheduling.models import Person, Session
from scheduling.queries import MatchContext, availability_of
from scheduling.schemas import SessionBooking
from scheduling.service.agreements import require_signed_agreement
from scheduling.service.blocked_time import SLOT_TAKEN, block_time
from scheduling.service.check_ins import facilitator_of
from scheduling.service.matches import require_open, require_scheduler, session_minutes, visible_match
from scheduling.service.people import require_active_caller
from scheduling.service.proposals import withdraw_proposal
from scheduling.service.publishing import publish
from scheduling.service.reminders import store_reminders
from scheduling.slots import Refusal, booking_refusal
from shared.auth import Principal
from shared.constraints import flush_or_conflict
from shared.contracts.scheduling import SessionFormat, SessionScheduled, SessionStatus
from shared.errors import Problem, invalid_field

_REFUSALS: dict[Refusal, str] = {
    Refusal.TOO_SOON: "the start is sooner than the organization's minimum notice allows",
    Refusal.TOO_FAR: "the start is further ahead than the organization's booking horizon",
    Refusal.OFF_GRID: "the start is not on the slot grid: pick one of the match's slots",
    Refusal.UNAVAILABLE: "the start is outside the common availability of mentor and mentee",
}


def field_problem(field: str, message: str, slug: str) -> Problem:
    """A 422 naming the request field, with a problem type of its own (`slot-too-soon`, ...)."""
    return invalid_field(field, message, kind=slug, slug=slug)


async def check_slot(
    session: AsyncSession,
    *,
    context: MatchContext,
    start: datetime,
    now: datetime,
    except_session: uuid.UUID | None = None,
    facilitator: Person | None = None,
) -> None:
    """422 unless `start` is one of the match's common slots (with a facilitated check-in's
    facilitator: of all three); 409 if it is taken."""
    assert context.mentor is not None and context.mentee is not None
    rules = context.policy.slot_rules(session_minutes=session_minutes(context))
    end = start + rules.length
    people = [context.mentor, context.mentee, *([facilitator] if facilitator is not None else [])]
    blocked = await queries.blocked_ranges(
        session,
        person_ids=[person.id for person in people],
        start=start,
        end=end + rules.buffer,
        except_session=except_session,
    )
    refusal = booking_refusal(
        [availability_of(person) for person in people],
        start=start,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
    )
    if refusal is Refusal.CONFLICT:
        raise SLOT_TAKEN.problem()
    if refusal is not None:
        raise field_problem("start", _REFUSALS[refusal], f"slot-{refusal.value.replace('_', '-')}")


def check_due(context: MatchContext, *, due: datetime, now: datetime) -> None:
    """An async check-in is due in the future, within the booking horizon."""
    if due <= now:
        raise field_problem("due", "the due time must be in the future", "due-in-past")
    if due > now + context.policy.horizon:
        raise field_problem("due", _REFUSALS[Refusal.TOO_FAR], "slot-too-far")


def _meeting_url(booking: SessionBooking, context: MatchContext, session_id: uuid.UUID) -> str | None:
    """A video session's link: the one given, else the organization's template's."""
    if booking.format != SessionFormat.VIDEO:
        return None
    if booking.meeting_url is not None:
        return str(booking.meeting_url)
    template = context.policy.meeting_url_template
    if template is None:
        raise field_problem(
            "meeting_url",
            "give a meeting_url: the organization has no meeting link template",
            "meeting-url-required",
        )
    return render(
        template, session_id=session_id, match_id=context.match.id, organization=context.match.organization
    )


async def book_session(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    booking: SessionBooking,
    now: datetime,
    facilitated: bool = False,
) -> tuple[Session, MatchContext]:
    """Book a session in one of the match's slots (or an async check-in), with its reminders.
    `facilitated`: a check-in the calling admin facilitates, in the common slots of all three
    (`service.check_ins`); the pair's agreement gate does not hold back a program's admin."""
    context = await visible_match(session, caller=caller, match_id=match_id, lock=True)
    require_scheduler(caller, context)
    await require_active_caller(session, caller)
    require_open(context)
    match = context.match
    facilitator = await facilitator_of(session, caller=caller, context=context) if facilitated else None
    if facilitator is None:
        await require_signed_agreement(session, match)
    elif booking.format == SessionFormat.ASYNC:
        raise field_problem(
            "format", "a facilitated check-in is a meeting: video or in person", "format-not-allowed"
        )
    session_id = uuid.uuid4()
    if booking.format == SessionFormat.ASYNC:
        assert booking.due is not None
        due = booking.due.astimezone(UTC)
        check_due(context, due=due, now=now)
        starts_at, ends_at = now, due
    else:
        assert booking.start is not None
        starts_at = booking.start.astimezone(UTC)
        await check_slot(session, context=context, start=starts_at, now=now, facilitator=facilitator)
        ends_at = starts_at + timedelta(minutes=session_minutes(context))
    row = Session(
        id=session_id,
        organization=match.organization,
        match_id=match.id,
        program_id=match.program_id,
        mentor_id=match.mentor_id,
        mentee_id=match.mentee_id,
        format=booking.format.value,
        status=SessionStatus.SCHEDULED.value,
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_url=_meeting_url(booking, context, session_id),
        location=booking.location,
        prompt=booking.prompt,
        cancel_reason=None,
        no_show=[],
        facilitator_id=facilitator.id if facilitator is not None else None,
        version=1,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush_or_conflict(session)
    await block_time(session, row, buffer=context.policy.buffer)
    await store_reminders(session, row, minutes_before=context.policy.reminder_minutes_before, now=now)
    # The pair acted on the cadence: whatever was proposed is superseded.
    await withdraw_proposal(session, match.id)
    await publish(session, SessionScheduled(session=session_state(row)), row)
    return row, context
