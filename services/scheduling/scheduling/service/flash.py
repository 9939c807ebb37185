"""Flash mentoring: mentors publish weekly office hours in their own zone; a mentee books one slot
directly; the session counts towards the mentor's monthly flash limit (never their long-term
capacity); both may agree afterwards to continue as a long-term match.

Under concurrency a slot is booked once and the monthly limit holds: a booking first locks the
mentor's and the mentee's calendars (advisory locks, one global order), then counts the mentor's
sessions of that month and writes its own; PostgreSQL's exclusion constraint on each person's time
and a unique index on the mentor's live slots refuse whatever would still collide.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.meeting_links import render
from scheduling.models import Enrollment, FlashSession, OfficeHours, Person, Program
from scheduling.office_hours import FlashSlot, Hours, flash_slots, minute_of, month_of, slot_at
from scheduling.schemas import FlashBooking, OfficeHoursCreate
from scheduling.service.blocked_time import (
    SLOT_TAKEN,
    block_people,
    blocked_range,
    follow_people,
    person_lock,
)
from scheduling.service.bookings import field_problem
from scheduling.service.people import require_active_caller
from scheduling.service.publishing import OUTBOX
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.constraints import Conflict, flush_or_conflict
from shared.contracts.profiles import EnrollmentRole, EnrollmentStatus, ProgramFormat, ProgramStatus
from shared.contracts.scheduling import (
    FlashMatchAgreed,
    FlashSessionBooked,
    FlashSessionCanceled,
    FlashSessionCompleted,
    FlashSessionState,
    SessionFormat,
    SessionStatus,
)
from shared.errors import Problem, invalid_field, not_found
from shared.events import Event
from shared.locks import advisory_lock

KIND = "flash"
LIVE_ENROLLMENT = (EnrollmentStatus.PENDING.value, EnrollmentStatus.ACTIVE.value)
COUNTED = (SessionStatus.SCHEDULED.value, SessionStatus.COMPLETED.value, SessionStatus.NO_SHOW.value)
LONG_TERM = (ProgramFormat.ONE_TO_ONE.value, ProgramFormat.REVERSE.value)
_SLOT_BOOKED = {"uq_flash_sessions_live_slot": SLOT_TAKEN}
LIMIT_REACHED = Conflict(
    None, "the mentor's flash sessions for that month are all booked", slug="flash-limit-reached"
)


def flash_settings(program: Program) -> tuple[int, int]:
    """(session minutes, sessions a mentor offers per month) of a flash program."""
    settings = (program.format_settings or {}).get("flash") or {}
    return int(settings.get("session_minutes", 30)), int(settings.get("sessions_per_month", 4))


async def flash_program(session: AsyncSession, caller: Principal, program_id: uuid.UUID) -> Program:
    program = await session.scalar(
        select(Program).where(Program.id == program_id, Program.organization == caller.organization)
    )
    if program is None:
        raise not_found("program")
    if program.format != ProgramFormat.FLASH.value:
        raise Problem(
            409, f"this is a {program.format} program, not a flash program", slug="wrong-program-format"
        )
    return program


def require_open(program: Program) -> None:
    if program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")


async def enrolled_as(
    session: AsyncSession, program: Program, person_id: uuid.UUID, role: EnrollmentRole
) -> Person | None:
    """The person, if active with a live enrollment in the program as `role`."""
    return await session.scalar(
        select(Person)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.program_id == program.id,
            Enrollment.person_id == person_id,
            Enrollment.role == role.value,
            Enrollment.status.in_(LIVE_ENROLLMENT),
            Person.active.is_(True),
            Person.organization == program.organization,
        )
    )


def _acting_person(caller: Principal, given: uuid.UUID | None, what: str) -> uuid.UUID:
    """Who a request is for: the caller, or anyone when an admin names them."""
    me = access.person_id_of(caller)
    if given is not None and given != me:
        if not caller.is_admin:
            raise Problem(403, f"only admins {what} for someone else")
        return given
    if me is None:
        raise Problem(403, "this token's subject is not a person")
    return me


# -- office hours ------------------------------------------------------------------------------------


async def publish_office_hours(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, body: OfficeHoursCreate, now: datetime
) -> OfficeHours:
    """A mentor of a flash program publishes weekly office hours (in their own zone)."""
    program = await flash_program(session, caller, program_id)
    require_open(program)
    mentor_id = _acting_person(caller, body.mentor_id, "publish office hours")
    await require_active_caller(session, caller)
    if await enrolled_as(session, program, mentor_id, EnrollmentRole.MENTOR) is None:
        raise Problem(403, "office hours are published by the program's mentors")
    minutes, _ = flash_settings(program)
    start, end = minute_of(body.start), minute_of(body.end)
    if end - start < minutes:
        raise invalid_field("end", f"office hours hold at least one {minutes}-minute flash session")
    hours = OfficeHours(
        id=uuid.uuid4(),
        organization=caller.organization,
        program_id=program.id,
        mentor_id=mentor_id,
        weekday=body.weekday,
        start_minute=start,
        end_minute=end,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(hours)
    await session.flush()
    return hours


async def withdraw_office_hours(
    session: AsyncSession, *, caller: Principal, hours_id: uuid.UUID, if_match: str | None, now: datetime
) -> OfficeHours:
    """The mentor (or an admin) withdraws office hours: no new bookings; booked sessions stay."""
    hours = await session.scalar(
        select(OfficeHours)
        .where(OfficeHours.id == hours_id, OfficeHours.organization == caller.organization)
        .with_for_update()
    )
    if hours is None or not (caller.is_admin or hours.mentor_id == access.person_id_of(caller)):
        raise not_found("office hours")
    check_if_match(if_match, hours.version)
    if hours.active:
        hours.active = False
        hours.version += 1
        hours.updated_at = now
    return hours


async def hours_of(
    session: AsyncSession, program_id: uuid.UUID, mentor_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Hours]]:
    rows = await session.scalars(
        select(OfficeHours).where(
            OfficeHours.program_id == program_id,
            OfficeHours.mentor_id.in_(list(mentor_ids)),
            OfficeHours.active.is_(True),
        )
    )
    found: dict[uuid.UUID, list[Hours]] = {}
    for row in rows:
        found.setdefault(row.mentor_id, []).append(
            Hours(row.id, row.weekday, row.start_minute, row.end_minute)
        )
    return found


async def booked_in_month(session: AsyncSession, mentor_id: uuid.UUID, month: str) -> int:
    """Flash sessions of a mentor that count towards a month's limit (all but canceled ones)."""
    count = await session.scalar(
        select(func.count())
        .select_from(FlashSession)
        .where(
            FlashSession.mentor_id == mentor_id, FlashSession.month == month, FlashSession.status.in_(COUNTED)
        )
    )
    return int(count or 0)


async def free_slots(
    session: AsyncSession,
    *,
    program: Program,
    mentor: Person,
    hours: Sequence[Hours],
    window_start: datetime,
    window_end: datetime,
    limit: int,
) -> list[FlashSlot]:
    """The mentor's flash slots in a window that nothing blocks (their own time, the month's limit)."""
    minutes, per_month = flash_settings(program)
    slots = flash_slots(
        hours, time_zone=mentor.time_zone, minutes=minutes, window_start=window_start, window_end=window_end
    )
    if not slots:
        return []
    policy = await queries.policy_of(session, program.organization)
    blocked = await queries.blocked_ranges(
        session,
        person_ids=[mentor.id],
        start=window_start - policy.buffer,
        end=window_end + timedelta(minutes=minutes),
    )
    full_months = {
        month
        for month in {month_of(slot.start, mentor.time_zone) for slot in slots}
        if await booked_in_month(session, mentor.id, month) >= per_month
    }
    free = []
    for slot in slots:
        if month_of(slot.start, mentor.time_zone) in full_months:
            continue
        if any(slot.start < end and slot.end + policy.buffer > start for start, end in blocked):
            continue
        free.append(slot)
        if len(free) >= limit:
            break
    return free


async def flash_mentors(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    skill: str | None,
    now: datetime,
    slots_each: int = 3,
) -> list[dict[str, Any]]:
    """The program's mentors with office hours (those with `skill` only, best level first), each
    with what they still offer this month and their next free slots."""
    program = await flash_program(session, caller, program_id)
    _, per_month = flash_settings(program)
    policy = await queries.policy_of(session, program.organization)
    mentors = list(
        await session.scalars(
            select(Person)
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(
                Enrollment.program_id == program.id,
                Enrollment.role == EnrollmentRole.MENTOR.value,
                Enrollment.status.in_(LIVE_ENROLLMENT),
                Person.active.is_(True),
                Person.organization == program.organization,
                Person.id.in_(
                    select(OfficeHours.mentor_id).where(
                        OfficeHours.program_id == program.id, OfficeHours.active.is_(True)
                    )
                ),
            )
            .order_by(Person.name, Person.id)
        )
    )
    hours = await hours_of(session, program.id, [mentor.id for mentor in mentors])
    found = []
    start = now + timedelta(minutes=policy.minimum_notice_minutes)
    for mentor in mentors:
        levels = {item["skill"]: int(item["level"]) for item in mentor.skills or []}
        if skill is not None and skill not in levels:
            continue
        month = month_of(now, mentor.time_zone)
        slots = await free_slots(
            session,
            program=program,
            mentor=mentor,
            hours=hours.get(mentor.id, []),
            window_start=start,
            window_end=now + timedelta(days=min(policy.horizon_days, 31)),
            limit=slots_each,
        )
        found.append(
            {
                "mentor": mentor,
                "level": levels.get(skill) if skill is not None else None,
                "sessions_left_this_month": max(
                    0, per_month - await booked_in_month(session, mentor.id, month)
                ),
                "slots": slots,
            }
        )
    found.sort(key=lambda item: -(item["level"] or 0))
    return found


# -- sessions ---------------------------------------------------------------------------------------


def flash_state(row: FlashSession) -> FlashSessionState:
    """The full state of a flash session, as every flash session event carries it."""
    return FlashSessionState(
        id=row.id,
        organization=row.organization,
        version=row.version,
        sequence=row.sequence,
        program_id=row.program_id,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        office_hours_id=row.office_hours_id,
        skill=row.skill,
        format=SessionFormat(row.format),
        status=SessionStatus(row.status),
        start=row.starts_at,
        end=row.ends_at,
        month=row.month,
        meeting_url=row.meeting_url,
        cancel_reason=row.cancel_reason,
        follow_up_program_id=row.follow_up_program_id,
        mentor_agreed_at=row.mentor_agreed_at,
        mentee_agreed_at=row.mentee_agreed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _publish(session: AsyncSession, event: Event, row: FlashSession) -> None:
    await OUTBOX.add(session, event, organization=row.organization, subject=str(row.id))


def _changed(row: FlashSession, now: datetime) -> None:
    row.version += 1
    row.sequence += 1
    row.updated_at = now


async def book_flash_session(
    session: AsyncSession, *, caller: Principal, program_id: uuid.UUID, booking: FlashBooking, now: datetime
) -> FlashSession:
    """A mentee books one of a mentor's flash slots (409 when it was just taken or the mentor's month
    is full)."""
    program = await flash_program(session, caller, program_id)
    require_open(program)
    mentee_id = _acting_person(caller, booking.mentee_id, "book flash sessions")
    await require_active_caller(session, caller)
    if booking.mentor_id == mentee_id:
        raise invalid_field("mentor_id", "a mentee cannot book themself")
    if await enrolled_as(session, program, mentee_id, EnrollmentRole.MENTEE) is None:
        raise Problem(403, "flash sessions are booked by the program's mentees")
    mentor = await enrolled_as(session, program, booking.mentor_id, EnrollmentRole.MENTOR)
    if mentor is None:
        raise invalid_field("mentor_id", "no mentor of this program with that id", kind="unknown_mentor")
    minutes, per_month = flash_settings(program)
    policy = await queries.policy_of(session, program.organization)
    start = booking.start.astimezone(UTC)
    if start < now + timedelta(minutes=policy.minimum_notice_minutes):
        raise field_problem(
            "start", "the start is sooner than the organization's minimum notice allows", "slot-too-soon"
        )
    if start > now + policy.horizon:
        raise field_problem("start", "the start is further ahead than the booking horizon", "slot-too-far")
    hours = (await hours_of(session, program.id, [mentor.id])).get(mentor.id, [])
    slot = slot_at(hours, time_zone=mentor.time_zone, minutes=minutes, start=start)
    if slot is None:
        raise field_problem("start", "the start is not one of the mentor's flash slots", "slot-unavailable")
    month = month_of(start, mentor.time_zone)
    # Both calendars are locked before counting: concurrent bookings of this mentor take turns, so
    # each one counts what the previous ones committed and the limit holds.
    await advisory_lock(session, *(person_lock(person) for person in (mentor.id, mentee_id)))
    if await booked_in_month(session, mentor.id, month) >= per_month:
        raise LIMIT_REACHED.problem()
    session_id = uuid.uuid4()
    meeting_url = str(booking.meeting_url) if booking.meeting_url else None
    if meeting_url is None and policy.meeting_url_template is not None:
        meeting_url = render(
            policy.meeting_url_template,
            session_id=session_id,
            match_id=session_id,
            organization=program.organization,
        )
    row = FlashSession(
        id=session_id,
        organization=program.organization,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee_id,
        office_hours_id=slot.hours_id,
        skill=booking.skill,
        format=SessionFormat.VIDEO.value,
        status=SessionStatus.SCHEDULED.value,
        starts_at=slot.start,
        ends_at=slot.end,
        month=month,
        meeting_url=meeting_url,
        cancel_reason=None,
        follow_up_program_id=None,
        mentor_agreed_at=None,
        mentee_agreed_at=None,
        version=1,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush_or_conflict(session, _SLOT_BOOKED)
    await block_people(
        session,
        session_id=row.id,
        organization=row.organization,
        people=(mentor.id, mentee_id),
        blocked=blocked_range(row.starts_at, row.ends_at, policy.buffer),
        kind=KIND,
    )
    await _publish(session, FlashSessionBooked(session=flash_state(row)), row)
    return row


def may_view(caller: Principal, row: Any) -> bool:
    me = access.person_id_of(caller)
    return access.sees_organization(caller) or me in (row.mentor_id, row.mentee_id)


async def _flash_for_update(
    session: AsyncSession, caller: Principal, session_id: uuid.UUID, if_match: str | None
) -> FlashSession:
    row = await session.scalar(
        select(FlashSession)
        .where(FlashSession.id == session_id, FlashSession.organization == caller.organization)
        .with_for_update()
    )
    if row is None or not may_view(caller, row):
        raise not_found("flash session")
    if not caller.is_admin and access.person_id_of(caller) not in (row.mentor_id, row.mentee_id):
        raise Problem(403, "only its mentor, its mentee and admins change a flash session")
    await require_active_caller(session, caller)
    check_if_match(if_match, row.version)
    return row


async def cancel(session: AsyncSession, row: FlashSession, *, reason: str, now: datetime) -> None:
    """Cancel a scheduled flash session (locked by the caller): its slot and month place are free."""
    row.status = SessionStatus.CANCELED.value
    row.cancel_reason = reason
    _changed(row, now)
    await flush_or_conflict(session)
    await follow_people(session, session_id=row.id, people=(row.mentor_id, row.mentee_id), status=row.status)
    await _publish(session, FlashSessionCanceled(session=flash_state(row)), row)


async def cancel_flash_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    now: datetime,
) -> FlashSession:
    row = await _flash_for_update(session, caller, session_id, if_match)
    if row.status != SessionStatus.SCHEDULED:
        raise Problem(409, f"the session is {row.status}, no longer scheduled", slug="session-not-scheduled")
    await cancel(session, row, reason=reason, now=now)
    return row


async def complete_flash_session(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID, if_match: str | None, now: datetime
) -> FlashSession:
    row = await _flash_for_update(session, caller, session_id, if_match)
    if row.status != SessionStatus.SCHEDULED:
        raise Problem(409, f"the session is {row.status}, no longer scheduled", slug="session-not-scheduled")
    if row.starts_at > now:
        raise Problem(409, "the session has not started yet", slug="session-not-started")
    row.status = SessionStatus.COMPLETED.value
    _changed(row, now)
    await flush_or_conflict(session)
    await follow_people(session, session_id=row.id, people=(row.mentor_id, row.mentee_id), status=row.status)
    await _publish(session, FlashSessionCompleted(session=flash_state(row)), row)
    return row


async def agree_to_continue(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    program_id: uuid.UUID,
    if_match: str | None,
    now: datetime,
) -> tuple[FlashSession, bool]:
    """The mentor or the mentee agrees to continue as a long-term match in `program_id`; once both
    did (naming the same program), `FlashMatchAgreed` asks matching to make the match. Returns the
    session and whether this agreement completed it."""
    row = await _flash_for_update(session, caller, session_id, if_match)
    if row.status != SessionStatus.COMPLETED:
        raise Problem(409, "a flash session continues once it took place", slug="session-not-completed")
    me = access.person_id_of(caller)
    if me not in (row.mentor_id, row.mentee_id):
        raise Problem(403, "the mentor and the mentee agree to continue, each for themself")
    if row.mentor_agreed_at is not None and row.mentee_agreed_at is not None:
        raise Problem(409, "both already agreed to continue", slug="already-agreed")
    target = await session.scalar(
        select(Program).where(Program.id == program_id, Program.organization == caller.organization)
    )
    if target is None:
        raise invalid_field("program_id", "no such program", kind="unknown_program")
    if target.format not in LONG_TERM or target.status == ProgramStatus.CLOSED:
        raise invalid_field(
            "program_id", "a flash session continues in an open one-to-one or reverse program"
        )
    if row.follow_up_program_id is not None and row.follow_up_program_id != target.id:
        raise Problem(
            409,
            "the other side proposed another program: agree to that one",
            slug="follow-up-program-differs",
        )
    row.follow_up_program_id = target.id
    if me == row.mentor_id:
        row.mentor_agreed_at = row.mentor_agreed_at or now
    else:
        row.mentee_agreed_at = row.mentee_agreed_at or now
    row.version += 1
    row.updated_at = now
    await flush_or_conflict(session)
    both = row.mentor_agreed_at is not None and row.mentee_agreed_at is not None
    if both:
        await _publish(session, FlashMatchAgreed(session=flash_state(row)), row)
    return row, both


# -- leavers ----------------------------------------------------------------------------------------


async def cancel_future_flash_sessions(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    reason: str,
    now: datetime,
    program_id: uuid.UUID | None = None,
) -> int:
    """A leaver's coming flash sessions (as mentor or mentee) are canceled, and their office hours
    withdrawn."""
    query = select(FlashSession).where(
        FlashSession.organization == organization,
        FlashSession.status == SessionStatus.SCHEDULED.value,
        FlashSession.starts_at > now,
        (FlashSession.mentor_id == person_id) | (FlashSession.mentee_id == person_id),
    )
    hours = update(OfficeHours).where(
        OfficeHours.organization == organization,
        OfficeHours.mentor_id == person_id,
        OfficeHours.active.is_(True),
    )
    if program_id is not None:
        query = query.where(FlashSession.program_id == program_id)
        hours = hours.where(OfficeHours.program_id == program_id)
    rows = list(
        await session.scalars(query.order_by(FlashSession.starts_at, FlashSession.id).with_for_update())
    )
    for row in rows:
        await cancel(session, row, reason=reason, now=now)
    await session.execute(hours.values(active=False, version=OfficeHours.version + 1, updated_at=now))
    return len(rows)
