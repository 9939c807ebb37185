"""Use cases of sessions: every state change and its event commit in one transaction.

Each function takes a session already inside a transaction (`shared.db.transaction`, or the
consumer's). A `Problem` raised here rolls the whole transaction back, so a refused request writes
nothing: no row, no reminder, no outbox event. Every change raises the session's `version` (its
ETag) and its iCalendar `sequence`, and publishes its full state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, cadence, queries
from scheduling.documents import session_state
from scheduling.meeting_links import render
from scheduling.models import (
    MentorshipStatus,
    ProposedSession,
    Reminder,
    ReminderStatus,
    Session,
    SessionParticipant,
    messaging,
)
from scheduling.queries import MentorshipContext, availability_of
from scheduling.reminders import plan_reminders
from scheduling.schemas import SessionBooking, SessionMove, SessionNoShowReport
from scheduling.slots import Refusal, booking_refusal, first_common_slot
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.profiles import ProgramStatus
from shared.contracts.scheduling import (
    SessionCanceled,
    SessionCompleted,
    SessionFormat,
    SessionNoShow,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from shared.errors import Problem, not_found
from shared.events import Event
from shared.outbox import Outbox

OUTBOX = Outbox(messaging.outbox)
DOUBLE_BOOKING = "ex_session_participants_no_double_booking"
DEADLOCK_DETECTED = "40P01"
# Advisory lock keys are signed 64-bit: a person's key is the low 63 bits of their id.
_ADVISORY_KEY_MASK = (1 << 63) - 1

_REFUSALS: dict[Refusal, str] = {
    Refusal.TOO_SOON: "the start is sooner than the organization's minimum notice allows",
    Refusal.TOO_FAR: "the start is further ahead than the organization's booking horizon",
    Refusal.OFF_GRID: "the start is not on the slot grid: pick one of the mentorship's slots",
    Refusal.UNAVAILABLE: "the start is outside the common availability of mentor and mentee",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- guards ------------------------------------------------------------------------------------------


def _slot_taken(detail: str = "a participant already has a session at that time") -> Problem:
    return Problem(409, detail, slug="slot-taken", title="Slot taken")


def _invalid(field: str, message: str, slug: str = "not-bookable") -> Problem:
    return Problem(
        422, message, slug=slug, errors=[{"field": f"body.{field}", "message": message, "type": slug}]
    )


def _constraint_name(exc: DBAPIError) -> str:
    cause = getattr(exc.orig, "__cause__", None)
    return str(getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None) or "")


def _sqlstate(exc: DBAPIError) -> str:
    cause = getattr(exc.orig, "__cause__", None)
    return str(getattr(cause, "sqlstate", None) or getattr(exc.orig, "sqlstate", None) or "")


async def _flush_or_conflict(session: AsyncSession) -> None:
    """Write pending rows now, so PostgreSQL's refusal of a double-booking becomes a 409."""
    try:
        await session.flush()
    except DBAPIError as exc:
        _raise_conflict(exc)


def _raise_conflict(exc: DBAPIError) -> NoReturn:
    """A 409 for PostgreSQL refusing a double-booking; anything else goes on as it was."""
    if _constraint_name(exc) == DOUBLE_BOOKING:
        raise _slot_taken() from exc
    if _sqlstate(exc) == DEADLOCK_DETECTED:
        # Writers taking overlapping time of the same people in opposite orders wait for each other
        # under the exclusion constraint and PostgreSQL aborts one. Bookings take turns to avoid
        # it (`_take_turns`); should it still happen, the aborted one lost the race.
        raise _slot_taken("another booking took this time at the same moment") from exc
    if isinstance(exc, IntegrityError):
        constraint = _constraint_name(exc) or "unknown"
        raise Problem(409, f"the change breaks a data constraint ({constraint})") from exc
    raise exc


async def visible_context(
    session: AsyncSession, *, caller: Principal, mentorship_id: uuid.UUID, lock: bool = False
) -> MentorshipContext:
    """The mentorship if the caller may see it (else 404); `lock` holds it and its people steady."""
    context = await queries.mentorship_context(
        session, organization=caller.organization, mentorship_id=mentorship_id, lock=lock
    )
    if context is None or not access.may_view(caller, context.mentorship):
        raise not_found("mentorship")
    return context


def _require_scheduler(caller: Principal, context: MentorshipContext) -> None:
    if not access.may_schedule(caller, context.mentorship):
        raise Problem(403, "only the mentor, the mentee and admins schedule this mentorship's sessions")


def require_open(context: MentorshipContext) -> None:
    """The mentorship can take new or moved sessions: it is active and everything it needs is known."""
    if context.mentorship.status != MentorshipStatus.ACTIVE:
        raise Problem(409, "the mentorship has ended", slug="mentorship-ended")
    if context.program is None or context.mentor is None or context.mentee is None:
        # Program and people arrive as events from profiles; they normally precede the match.
        raise Problem(
            409,
            "the mentorship's program or participants are not known here yet; retry in a moment",
            slug="mentorship-not-ready",
        )
    if context.program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    inactive = [person.name for person in (context.mentor, context.mentee) if not person.active]
    if inactive:
        raise Problem(409, f"deactivated: {', '.join(inactive)}", slug="participant-inactive")


def _session_minutes(context: MentorshipContext) -> int:
    assert context.program is not None
    return context.program.session_length_minutes


async def _check_slot(
    session: AsyncSession,
    *,
    context: MentorshipContext,
    start: datetime,
    now: datetime,
    except_session: uuid.UUID | None = None,
) -> None:
    """422 unless `start` is one of the mentorship's common slots; 409 if it is taken."""
    assert context.mentor is not None and context.mentee is not None
    rules = context.policy.slot_rules(session_minutes=_session_minutes(context))
    end = start + rules.length
    blocked = await queries.blocked_ranges(
        session,
        person_ids=context.participant_ids,
        start=start,
        end=end + rules.buffer,
        except_session=except_session,
    )
    refusal = booking_refusal(
        [availability_of(context.mentor), availability_of(context.mentee)],
        start=start,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
    )
    if refusal is Refusal.CONFLICT:
        raise _slot_taken()
    if refusal is not None:
        raise _invalid("start", _REFUSALS[refusal], slug=f"slot-{refusal.value.replace('_', '-')}")


def _check_due(context: MentorshipContext, *, due: datetime, now: datetime) -> None:
    if due <= now:
        raise _invalid("due", "the due time must be in the future", slug="due-in-past")
    if due > now + context.policy.horizon:
        raise _invalid("due", _REFUSALS[Refusal.TOO_FAR], slug="slot-too-far")


# --- writes shared by the use cases ---------------------------------------------------------------


async def _publish(session: AsyncSession, event: Event, row: Session) -> None:
    await OUTBOX.add(session, event, organization=row.organization, subject=str(row.id))


def _blocked_range(row: Session, buffer: timedelta) -> Range[datetime]:
    return Range(row.starts_at, row.ends_at + buffer, bounds="[)")


async def _take_turns(session: AsyncSession, row: Session) -> None:
    """Queue behind other bookings of the same people until this transaction ends.

    Without it, two transactions inserting overlapping time of one person at the same moment both
    wait for each other under the exclusion constraint until PostgreSQL's deadlock detector aborts
    one a second later. Taking turns per person (in one global order) lets the second see the
    first's committed time at once: the exclusion constraint still decides, without the stall.
    """
    keys = sorted(person.int & _ADVISORY_KEY_MASK for person in (row.mentor_id, row.mentee_id))
    await session.execute(select(*(func.pg_advisory_xact_lock(key) for key in keys)))


async def _block_time(session: AsyncSession, row: Session, *, buffer: timedelta) -> None:
    if row.format == SessionFormat.ASYNC:
        return  # a check-in takes no calendar time
    await _take_turns(session, row)
    try:
        await session.execute(
            insert(SessionParticipant),
            [
                {
                    "session_id": row.id,
                    "person_id": person_id,
                    "organization": row.organization,
                    "blocked": _blocked_range(row, buffer),
                    "status": row.status,
                }
                # One order for every booking, so two bookings never take two people's time crosswise.
                for person_id in sorted((row.mentor_id, row.mentee_id))
            ],
        )
    except DBAPIError as exc:
        _raise_conflict(exc)


async def _participants_follow(
    session: AsyncSession, row: Session, *, buffer: timedelta | None = None
) -> None:
    """Bring the participants' rows to the session's status (and its new time, with a buffer)."""
    values: dict[str, object] = {"status": row.status}
    if buffer is not None:
        values["blocked"] = _blocked_range(row, buffer)
        await _take_turns(session, row)
    try:
        await session.execute(
            update(SessionParticipant).where(SessionParticipant.session_id == row.id).values(**values)
        )
    except DBAPIError as exc:
        _raise_conflict(exc)


async def _plan_reminders(
    session: AsyncSession, row: Session, *, minutes_before: tuple[int, ...], now: datetime
) -> None:
    moment = row.ends_at if row.format == SessionFormat.ASYNC else row.starts_at
    planned = plan_reminders(
        moment=moment, recipients=(row.mentor_id, row.mentee_id), minutes_before=minutes_before, now=now
    )
    if planned:
        await session.execute(
            insert(Reminder),
            [
                {
                    "session_id": row.id,
                    "session_sequence": row.sequence,
                    "organization": row.organization,
                    "recipient_id": reminder.recipient_id,
                    "minutes_before": reminder.minutes_before,
                    "due_at": reminder.due_at,
                    "status": ReminderStatus.PENDING.value,
                }
                for reminder in planned
            ],
        )


async def _drop_pending_reminders(session: AsyncSession, row: Session) -> None:
    await session.execute(
        delete(Reminder).where(Reminder.session_id == row.id, Reminder.status == ReminderStatus.PENDING.value)
    )


def _changed(row: Session, now: datetime) -> None:
    row.version += 1
    row.sequence += 1
    row.updated_at = now


# --- use cases -----------------------------------------------------------------------------------


async def book_session(
    session: AsyncSession,
    *,
    caller: Principal,
    mentorship_id: uuid.UUID,
    booking: SessionBooking,
    now: datetime,
) -> tuple[Session, MentorshipContext]:
    """Book a session in one of the mentorship's slots (or an async check-in), with its reminders."""
    context = await visible_context(session, caller=caller, mentorship_id=mentorship_id, lock=True)
    _require_scheduler(caller, context)
    require_open(context)
    mentorship = context.mentorship
    session_id = uuid.uuid4()
    if booking.format == SessionFormat.ASYNC:
        assert booking.due is not None
        due = booking.due.astimezone(UTC)
        _check_due(context, due=due, now=now)
        starts_at, ends_at = now, due
    else:
        assert booking.start is not None
        starts_at = booking.start.astimezone(UTC)
        await _check_slot(session, context=context, start=starts_at, now=now)
        ends_at = starts_at + timedelta(minutes=_session_minutes(context))
    meeting_url = None
    if booking.format == SessionFormat.VIDEO:
        if booking.meeting_url is not None:
            meeting_url = str(booking.meeting_url)
        elif context.policy.meeting_url_template is not None:
            meeting_url = render(
                context.policy.meeting_url_template,
                session_id=session_id,
                mentorship_id=mentorship.id,
                organization=mentorship.organization,
            )
        else:
            raise _invalid(
                "meeting_url",
                "give a meeting_url: the organization has no meeting link template",
                slug="meeting-url-required",
            )
    row = Session(
        id=session_id,
        organization=mentorship.organization,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        mentor_id=mentorship.mentor_id,
        mentee_id=mentorship.mentee_id,
        format=booking.format.value,
        status=SessionStatus.SCHEDULED.value,
        starts_at=starts_at,
        ends_at=ends_at,
        meeting_url=meeting_url,
        location=booking.location,
        prompt=booking.prompt,
        cancel_reason=None,
        no_show=[],
        version=1,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await _flush_or_conflict(session)
    await _block_time(session, row, buffer=context.policy.buffer)
    await _plan_reminders(session, row, minutes_before=context.policy.reminder_minutes_before, now=now)
    # The pair acted on the cadence: whatever was proposed is superseded.
    await session.execute(delete(ProposedSession).where(ProposedSession.mentorship_id == mentorship.id))
    await _publish(session, SessionScheduled(session=session_state(row)), row)
    return row, context


async def _editable(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID, if_match: str | None
) -> tuple[Session, MentorshipContext]:
    """The session locked for a change, after the visibility, permission and ETag checks."""
    row = await queries.locked_session(session, organization=caller.organization, session_id=session_id)
    if row is None or not access.may_view(caller, row):
        raise not_found("session")
    context = await queries.mentorship_context(
        session, organization=caller.organization, mentorship_id=row.mentorship_id, lock=True
    )
    assert context is not None  # sessions are only ever booked on known mentorships
    _require_scheduler(caller, context)
    check_if_match(if_match, row.version)
    if row.status != SessionStatus.SCHEDULED:
        raise Problem(409, f"the session is {row.status}, no longer scheduled", slug="session-not-scheduled")
    return row, context


async def reschedule_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    move: SessionMove,
    if_match: str | None,
    now: datetime,
) -> tuple[Session, MentorshipContext]:
    """Move a session to another slot (or due time): same identity, higher sequence, new reminders."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    require_open(context)
    previous_start = row.starts_at
    if row.format == SessionFormat.ASYNC:
        if move.due is None:
            raise _invalid("due", "an async check-in moves by its due time", slug="due-required")
        due = move.due.astimezone(UTC)
        if due == row.ends_at:
            return row, context
        _check_due(context, due=due, now=now)
        row.ends_at = due
    else:
        if move.start is None:
            raise _invalid("start", "a session moves by its start", slug="start-required")
        start = move.start.astimezone(UTC)
        if start == row.starts_at:
            return row, context
        await _check_slot(session, context=context, start=start, now=now, except_session=row.id)
        row.starts_at = start
        row.ends_at = start + timedelta(minutes=_session_minutes(context))
    _changed(row, now)
    await _flush_or_conflict(session)
    await _participants_follow(session, row, buffer=context.policy.buffer)
    await _drop_pending_reminders(session, row)
    await _plan_reminders(session, row, minutes_before=context.policy.reminder_minutes_before, now=now)
    await _publish(
        session, SessionRescheduled(session=session_state(row), previous_start=previous_start), row
    )
    return row, context


async def cancel(session: AsyncSession, row: Session, *, reason: str, now: datetime) -> None:
    """Cancel a scheduled session (locked by the caller): frees its time, drops its reminders."""
    row.status = SessionStatus.CANCELED.value
    row.cancel_reason = reason
    _changed(row, now)
    await _flush_or_conflict(session)
    await _participants_follow(session, row)
    await _drop_pending_reminders(session, row)
    await _publish(session, SessionCanceled(session=session_state(row)), row)


async def cancel_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    now: datetime,
) -> tuple[Session, MentorshipContext]:
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    await cancel(session, row, reason=reason, now=now)
    return row, context


def _require_started(row: Session, now: datetime) -> None:
    if row.format != SessionFormat.ASYNC and row.starts_at > now:
        raise Problem(409, "the session has not started yet", slug="session-not-started")


async def complete_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    if_match: str | None,
    now: datetime,
) -> tuple[Session, MentorshipContext]:
    """Mark a session as held, and propose the next one at the program's cadence."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    _require_started(row, now)
    row.status = SessionStatus.COMPLETED.value
    _changed(row, now)
    await _flush_or_conflict(session)
    await _participants_follow(session, row)
    await _drop_pending_reminders(session, row)
    await _publish(session, SessionCompleted(session=session_state(row)), row)
    await propose_next_session(session, context=context, after=row, now=now)
    return row, context


async def report_no_show(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    report: SessionNoShowReport,
    if_match: str | None,
    now: datetime,
) -> tuple[Session, MentorshipContext]:
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    _require_started(row, now)
    strangers = [person for person in report.absent if person not in (row.mentor_id, row.mentee_id)]
    if strangers:
        raise _invalid(
            "absent", "only the session's mentor and mentee can be absent", slug="not-a-participant"
        )
    row.status = SessionStatus.NO_SHOW.value
    row.no_show = sorted({str(person) for person in report.absent})
    _changed(row, now)
    await _flush_or_conflict(session)
    await _participants_follow(session, row)
    await _drop_pending_reminders(session, row)
    await _publish(session, SessionNoShow(session=session_state(row)), row)
    return row, context


async def propose_next_session(
    session: AsyncSession, *, context: MentorshipContext, after: Session, now: datetime
) -> ProposedSession | None:
    """Record the first common slot one cadence after `after` (empty if none within a cadence)."""
    if context.program is None or context.mentor is None or context.mentee is None:
        return None
    if context.mentorship.status != MentorshipStatus.ACTIVE:
        return None
    every = cadence.interval(context.program.session_cadence)
    due_at = after.starts_at + every
    search_from = max(due_at, now)
    rules = context.policy.slot_rules(session_minutes=context.program.session_length_minutes)
    blocked = await queries.blocked_ranges(
        session, person_ids=context.participant_ids, start=search_from, end=search_from + every + rules.buffer
    )
    slot = first_common_slot(
        [availability_of(context.mentor), availability_of(context.mentee)],
        after=search_from,
        within=every,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.mentor.time_zone,
    )
    values = {
        "mentorship_id": context.mentorship.id,
        "organization": context.mentorship.organization,
        "after_session_id": after.id,
        "due_at": due_at,
        "starts_at": slot.start if slot else None,
        "ends_at": slot.end if slot else None,
        "created_at": now,
    }
    statement = pg_insert(ProposedSession).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ProposedSession.mentorship_id],
            set_={name: statement.excluded[name] for name in values if name != "mentorship_id"},
        )
    )
    return await session.get(ProposedSession, context.mentorship.id, populate_existing=True)


async def cancel_future_sessions(
    session: AsyncSession,
    *,
    organization: str,
    reason: str,
    now: datetime,
    person_id: uuid.UUID | None = None,
    mentorship_id: uuid.UUID | None = None,
) -> int:
    """Cancel what is still ahead for a person or a mentorship (deactivation, match ended)."""
    rows = await queries.future_sessions(
        session, organization=organization, now=now, person_id=person_id, mentorship_id=mentorship_id
    )
    for row in rows:
        await cancel(session, row, reason=reason, now=now)
    return len(rows)
