"""Sessions of a circle: common slots of all its members, booking for all of them, moving,
canceling, completing; and a member who left the circle leaving its coming sessions.

Every attending member's time is blocked in `session_participants` under the same exclusion
constraint as pair sessions: nobody is double-booked, whichever sessions (a pair's, a circle's, a
flash one) race for their time. Bookings lock the people they involve in one global order first,
so overlapping bookings take turns instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.meeting_links import render
from scheduling.models import Circle, CircleMember, CircleSession, MatchStatus, Person, Program
from scheduling.policy import SchedulingPolicy
from scheduling.queries import availability_of
from scheduling.schemas import CircleSessionBooking, SessionMove
from scheduling.service.blocked_time import SLOT_TAKEN, block_people, blocked_range, follow_people
from scheduling.service.bookings import _REFUSALS, field_problem
from scheduling.service.people import require_active_caller
from scheduling.service.publishing import OUTBOX
from scheduling.slots import Refusal, Slot, booking_refusal, common_slots
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.constraints import flush_or_conflict
from shared.contracts.profiles import ProgramStatus
from shared.contracts.scheduling import (
    CircleSessionCanceled,
    CircleSessionCompleted,
    CircleSessionParticipantLeft,
    CircleSessionRescheduled,
    CircleSessionScheduled,
    CircleSessionState,
    ParticipantStatus,
    SessionFormat,
    SessionStatus,
)
from shared.errors import Problem, invalid_field, not_found
from shared.events import Event

KIND = "circle"
FACILITATOR = "facilitator"


@dataclass(frozen=True)
class CircleContext:
    """A circle with what booking needs: its program, its active members (known and active
    people), the organization's policy."""

    circle: Circle
    program: Program | None
    members: list[tuple[CircleMember, Person]]
    policy: SchedulingPolicy

    @property
    def people(self) -> list[Person]:
        return [person for _, person in self.members]

    @property
    def zones(self) -> dict[uuid.UUID, str]:
        return {person.id: person.time_zone for person in self.people}

    @property
    def grid_zone(self) -> str:
        """Slots sit on the grid of the first facilitator's wall clock."""
        for member, person in self.members:
            if member.role == FACILITATOR:
                return person.time_zone
        return self.members[0][1].time_zone if self.members else "UTC"


async def circle_context(
    session: AsyncSession, *, organization: str, circle_id: uuid.UUID, lock: bool = False
) -> CircleContext | None:
    """The circle and its active members; `lock` holds them (FOR SHARE) until the transaction ends,
    so an event ending the circle or deactivating a member waits for a booking in flight."""
    query = select(Circle).where(Circle.id == circle_id, Circle.organization == organization)
    if lock:
        query = query.with_for_update(read=True)
    circle = await session.scalar(query)
    if circle is None:
        return None
    people_query = (
        select(CircleMember, Person)
        .join(Person, Person.id == CircleMember.person_id)
        .where(
            CircleMember.circle_id == circle.id,
            CircleMember.active.is_(True),
            Person.organization == organization,
            Person.active.is_(True),
        )
        .order_by(CircleMember.role, Person.id)
    )
    if lock:
        people_query = people_query.with_for_update(of=Person, read=True)
    members = [(row[0], row[1]) for row in (await session.execute(people_query)).all()]
    program = await session.scalar(
        select(Program).where(Program.id == circle.program_id, Program.organization == organization)
    )
    return CircleContext(
        circle=circle, program=program, members=members, policy=await queries.policy_of(session, organization)
    )


async def is_member(session: AsyncSession, circle_id: uuid.UUID, person_id: uuid.UUID | None) -> bool:
    """Whether the person is or was in the circle (past members still see its sessions they were in)."""
    if person_id is None:
        return False
    return await session.get(CircleMember, (circle_id, person_id)) is not None


async def visible_circle(
    session: AsyncSession, *, caller: Principal, circle_id: uuid.UUID, lock: bool = False
) -> CircleContext:
    """The circle if the caller may see it (its members, admins, the integration), else 404."""
    context = await circle_context(session, organization=caller.organization, circle_id=circle_id, lock=lock)
    if context is None:
        raise not_found("circle")
    if not access.sees_organization(caller) and not await is_member(
        session, circle_id, access.person_id_of(caller)
    ):
        raise not_found("circle")
    return context


def require_scheduler(caller: Principal, context: CircleContext) -> None:
    """A circle's sessions are booked and changed by its facilitators, and admins."""
    me = access.person_id_of(caller)
    facilitators = {member.person_id for member, _ in context.members if member.role == FACILITATOR}
    if not caller.is_admin and me not in facilitators:
        raise Problem(403, "only the circle's facilitators and admins schedule its sessions")


def require_open(context: CircleContext) -> None:
    """The circle takes new or moved sessions: it runs, its program is known and open, and it has
    a facilitator and a member."""
    if context.circle.status != MatchStatus.ACTIVE:
        raise Problem(409, "the circle has ended", slug="circle-ended")
    if context.program is None:
        raise Problem(
            409, "the circle's program is not known here yet; retry in a moment", slug="circle-not-ready"
        )
    if context.program.status == ProgramStatus.CLOSED:
        raise Problem(409, "the program is closed", slug="program-closed")
    roles = {member.role for member, _ in context.members}
    if roles != {FACILITATOR, "member"}:
        raise Problem(
            409,
            "the circle needs an active facilitator and member known here; retry in a moment",
            slug="circle-not-ready",
        )


def session_minutes(context: CircleContext) -> int:
    assert context.program is not None
    return context.program.session_length_minutes


# -- state and events --------------------------------------------------------------------------------


def circle_session_state(row: CircleSession) -> CircleSessionState:
    """The full state of a circle session, as every circle session event carries it."""
    return CircleSessionState(
        id=row.id,
        organization=row.organization,
        version=row.version,
        sequence=row.sequence,
        circle_id=row.circle_id,
        program_id=row.program_id,
        format=SessionFormat(row.format),
        status=SessionStatus(row.status),
        start=row.starts_at,
        end=row.ends_at,
        meeting_url=row.meeting_url,
        location=row.location,
        cancel_reason=row.cancel_reason,
        participants=row.participants,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def publish(session: AsyncSession, event: Event, row: CircleSession) -> None:
    await OUTBOX.add(session, event, organization=row.organization, subject=str(row.id))


def _changed(row: CircleSession, now: datetime) -> None:
    row.version += 1
    row.sequence += 1
    row.updated_at = now


def attending(row: CircleSession) -> list[uuid.UUID]:
    return [
        uuid.UUID(str(item["person_id"]))
        for item in row.participants
        if item["status"] == ParticipantStatus.ATTENDING.value
    ]


# -- slots -----------------------------------------------------------------------------------------


async def find_circle_slots(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    window_start: datetime | None,
    window_end: datetime | None,
    limit: int,
    now: datetime,
) -> tuple[list[Slot], CircleContext, datetime]:
    """Common slots of every active member of the circle, each in their own zone."""
    context = await visible_circle(session, caller=caller, circle_id=circle_id)
    require_open(context)
    start = window_start or now
    end = window_end or start + timedelta(days=14)
    if end <= start:
        raise invalid_field("query.to", "`to` must be after `from`")
    if end - start > timedelta(days=62):
        raise invalid_field("query.to", "a slot search spans at most 62 days")
    rules = context.policy.slot_rules(session_minutes=session_minutes(context))
    blocked = await queries.blocked_ranges(
        session,
        person_ids=[person.id for person in context.people],
        start=start - rules.buffer - rules.length,
        end=end + rules.buffer,
    )
    slots = common_slots(
        [availability_of(person) for person in context.people],
        window_start=start,
        window_end=end,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.grid_zone,
        limit=limit + 1,
    )
    return slots, context, end


async def _check_slot(
    session: AsyncSession,
    *,
    context: CircleContext,
    start: datetime,
    now: datetime,
    except_session: uuid.UUID | None = None,
) -> None:
    rules = context.policy.slot_rules(session_minutes=session_minutes(context))
    blocked = await queries.blocked_ranges(
        session,
        person_ids=[person.id for person in context.people],
        start=start,
        end=start + rules.length + rules.buffer,
        except_session=except_session,
    )
    refusal = booking_refusal(
        [availability_of(person) for person in context.people],
        start=start,
        blocked=blocked,
        rules=rules,
        now=now,
        grid_zone=context.grid_zone,
    )
    if refusal is Refusal.CONFLICT:
        raise SLOT_TAKEN.problem()
    if refusal is Refusal.UNAVAILABLE:
        raise field_problem(
            "start",
            "the start is outside the common availability of the circle's members",
            "slot-unavailable",
        )
    if refusal is not None:
        raise field_problem("start", _REFUSALS[refusal], f"slot-{refusal.value.replace('_', '-')}")


# -- use cases ---------------------------------------------------------------------------------------


async def book_circle_session(
    session: AsyncSession,
    *,
    caller: Principal,
    circle_id: uuid.UUID,
    booking: CircleSessionBooking,
    now: datetime,
) -> tuple[CircleSession, CircleContext]:
    """Book a session for every active member of the circle in one of their common slots."""
    context = await visible_circle(session, caller=caller, circle_id=circle_id, lock=True)
    # An ended circle says so to whoever may see it, before who may book in it.
    require_open(context)
    require_scheduler(caller, context)
    await require_active_caller(session, caller)
    start = booking.start.astimezone(UTC)
    await _check_slot(session, context=context, start=start, now=now)
    session_id = uuid.uuid4()
    meeting_url = None
    if booking.format == SessionFormat.VIDEO:
        meeting_url = str(booking.meeting_url) if booking.meeting_url else None
        template = context.policy.meeting_url_template
        if meeting_url is None and template is None:
            raise field_problem(
                "meeting_url",
                "give a meeting_url: the organization has no meeting link template",
                "meeting-url-required",
            )
        if meeting_url is None and template is not None:
            meeting_url = render(
                template,
                session_id=session_id,
                match_id=context.circle.id,
                organization=context.circle.organization,
            )
    row = CircleSession(
        id=session_id,
        organization=context.circle.organization,
        circle_id=context.circle.id,
        program_id=context.circle.program_id,
        format=booking.format.value,
        status=SessionStatus.SCHEDULED.value,
        starts_at=start,
        ends_at=start + timedelta(minutes=session_minutes(context)),
        meeting_url=meeting_url,
        location=booking.location,
        cancel_reason=None,
        participants=[
            {
                "person_id": str(member.person_id),
                "role": member.role,
                "status": ParticipantStatus.ATTENDING.value,
            }
            for member, _ in context.members
        ],
        version=1,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush_or_conflict(session)
    await block_people(
        session,
        session_id=row.id,
        organization=row.organization,
        people=attending(row),
        blocked=blocked_range(row.starts_at, row.ends_at, context.policy.buffer),
        kind=KIND,
    )
    await publish(session, CircleSessionScheduled(session=circle_session_state(row)), row)
    return row, context


async def _editable(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID, if_match: str | None
) -> tuple[CircleSession, CircleContext]:
    row = await session.scalar(
        select(CircleSession)
        .where(CircleSession.id == session_id, CircleSession.organization == caller.organization)
        .with_for_update()
    )
    if row is None or not may_view(caller, row):
        raise not_found("circle session")
    context = await circle_context(
        session, organization=caller.organization, circle_id=row.circle_id, lock=True
    )
    assert context is not None  # sessions are only booked on known circles
    require_scheduler(caller, context)
    await require_active_caller(session, caller)
    check_if_match(if_match, row.version)
    if row.status != SessionStatus.SCHEDULED:
        raise Problem(409, f"the session is {row.status}, no longer scheduled", slug="session-not-scheduled")
    return row, context


def may_view(caller: Principal, row: Any) -> bool:
    """Admins and the integration see every circle session; a person those they are (or were) in."""
    me = access.person_id_of(caller)
    return access.sees_organization(caller) or any(
        str(item["person_id"]) == str(me) for item in row.participants
    )


async def reschedule_circle_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    move: SessionMove,
    if_match: str | None,
    now: datetime,
) -> tuple[CircleSession, CircleContext]:
    """Move a circle session to another common slot of everyone attending."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    require_open(context)
    if move.start is None:
        raise field_problem("start", "a circle session moves by its start", "start-required")
    start = move.start.astimezone(UTC)
    if start == row.starts_at:
        return row, context
    await _check_slot(session, context=context, start=start, now=now, except_session=row.id)
    previous = row.starts_at
    row.starts_at = start
    row.ends_at = start + timedelta(minutes=session_minutes(context))
    _changed(row, now)
    await flush_or_conflict(session)
    await follow_people(
        session,
        session_id=row.id,
        people=attending(row),
        status=row.status,
        blocked=blocked_range(row.starts_at, row.ends_at, context.policy.buffer),
    )
    await publish(
        session, CircleSessionRescheduled(session=circle_session_state(row), previous_start=previous), row
    )
    return row, context


async def cancel(session: AsyncSession, row: CircleSession, *, reason: str, now: datetime) -> None:
    """Cancel a scheduled circle session (locked by the caller) for everyone: their time is free."""
    row.status = SessionStatus.CANCELED.value
    row.cancel_reason = reason
    _changed(row, now)
    await flush_or_conflict(session)
    await follow_people(session, session_id=row.id, people=attending(row), status=row.status)
    await publish(session, CircleSessionCanceled(session=circle_session_state(row)), row)


async def cancel_circle_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    now: datetime,
) -> tuple[CircleSession, CircleContext]:
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    await cancel(session, row, reason=reason, now=now)
    return row, context


async def complete_circle_session(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID, if_match: str | None, now: datetime
) -> tuple[CircleSession, CircleContext]:
    """Mark a circle session as held (once it has started)."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    if row.starts_at > now:
        raise Problem(409, "the session has not started yet", slug="session-not-started")
    row.status = SessionStatus.COMPLETED.value
    _changed(row, now)
    await flush_or_conflict(session)
    await follow_people(session, session_id=row.id, people=attending(row), status=row.status)
    await publish(session, CircleSessionCompleted(session=circle_session_state(row)), row)
    return row, context


# -- leavers and ends (from matching's and profiles' events) ---------------------------------------


async def future_circle_sessions(
    session: AsyncSession,
    *,
    organization: str,
    now: datetime,
    circle_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
) -> Sequence[CircleSession]:
    """Scheduled circle sessions still ahead (of a circle, or attended by a person), locked."""
    query = select(CircleSession).where(
        CircleSession.organization == organization,
        CircleSession.status == SessionStatus.SCHEDULED.value,
        CircleSession.starts_at > now,
    )
    if circle_id is not None:
        query = query.where(CircleSession.circle_id == circle_id)
    if person_id is not None:
        query = query.where(
            CircleSession.participants.contains(
                [{"person_id": str(person_id), "status": ParticipantStatus.ATTENDING.value}]
            )
        )
    return list(
        await session.scalars(query.order_by(CircleSession.starts_at, CircleSession.id).with_for_update())
    )


async def leave_future_sessions(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    now: datetime,
    circle_id: uuid.UUID | None = None,
) -> int:
    """A member who left (the circle, or the organization) leaves the coming sessions: only their
    time is freed, the session goes on for the others."""
    rows = await future_circle_sessions(
        session, organization=organization, now=now, circle_id=circle_id, person_id=person_id
    )
    for row in rows:
        row.participants = [
            {**item, "status": ParticipantStatus.LEFT.value}
            if str(item["person_id"]) == str(person_id)
            else item
            for item in row.participants
        ]
        _changed(row, now)
        await flush_or_conflict(session)
        await follow_people(
            session, session_id=row.id, people=[person_id], status=SessionStatus.CANCELED.value
        )
        await publish(
            session, CircleSessionParticipantLeft(session=circle_session_state(row), person_id=person_id), row
        )
    return len(rows)


async def cancel_future_circle_sessions(
    session: AsyncSession, *, organization: str, circle_id: uuid.UUID, reason: str, now: datetime
) -> int:
    """An ended circle's coming sessions are canceled for everyone."""
    rows = await future_circle_sessions(session, organization=organization, now=now, circle_id=circle_id)
    for row in rows:
        await cancel(session, row, reason=reason, now=now)
    return len(rows)
