"""Reads of the scheduling service, always scoped to one organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.availability import Availability
from scheduling.cadence import CADENCE_INTERVALS
from scheduling.models import (
    Mentorship,
    MentorshipStatus,
    OrganizationPolicy,
    Person,
    Program,
    ProposedSession,
    Session,
    SessionParticipant,
)
from scheduling.policy import DEFAULT_POLICY, SchedulingPolicy
from shared.contracts.scheduling import SessionFormat, SessionStatus


@dataclass(frozen=True)
class MentorshipContext:
    """A mentorship with what booking needs: its program, its two people, the organization's policy.

    The program and people come from other services' events; until those arrive they are None.
    """

    mentorship: Mentorship
    program: Program | None
    mentor: Person | None
    mentee: Person | None
    policy: SchedulingPolicy

    @property
    def participant_ids(self) -> tuple[uuid.UUID, uuid.UUID]:
        return (self.mentorship.mentor_id, self.mentorship.mentee_id)

    @property
    def zones(self) -> dict[uuid.UUID, str]:
        return {person.id: person.time_zone for person in (self.mentor, self.mentee) if person is not None}


def availability_of(person: Person) -> Availability:
    return Availability.from_profile(
        time_zone=person.time_zone,
        availability=person.availability,
        overrides=person.availability_overrides,
    )


async def policy_of(session: AsyncSession, organization: str) -> SchedulingPolicy:
    row = await session.get(OrganizationPolicy, organization)
    return SchedulingPolicy.from_row(row) if row is not None else DEFAULT_POLICY


async def mentorship_context(
    session: AsyncSession, *, organization: str, mentorship_id: uuid.UUID, lock: bool = False
) -> MentorshipContext | None:
    """The mentorship and what booking needs. With `lock`, the mentorship and its people are held
    (FOR SHARE) until the transaction ends: an event ending the match or deactivating a person then
    waits for a booking in flight and cancels it, instead of missing it. Bookings share the lock,
    so they still race each other (and PostgreSQL's exclusion constraint settles that race)."""
    mentorship_query = select(Mentorship).where(
        Mentorship.id == mentorship_id, Mentorship.organization == organization
    )
    if lock:
        mentorship_query = mentorship_query.with_for_update(read=True)
    mentorship = await session.scalar(mentorship_query)
    if mentorship is None:
        return None
    people_query = select(Person).where(
        Person.id.in_([mentorship.mentor_id, mentorship.mentee_id]), Person.organization == organization
    )
    if lock:
        people_query = people_query.order_by(Person.id).with_for_update(read=True)
    people = {person.id: person for person in await session.scalars(people_query)}
    program = await session.scalar(
        select(Program).where(Program.id == mentorship.program_id, Program.organization == organization)
    )
    return MentorshipContext(
        mentorship=mentorship,
        program=program,
        mentor=people.get(mentorship.mentor_id),
        mentee=people.get(mentorship.mentee_id),
        policy=await policy_of(session, organization),
    )


async def blocked_ranges(
    session: AsyncSession,
    *,
    person_ids: Iterable[uuid.UUID],
    start: datetime,
    end: datetime,
    except_session: uuid.UUID | None = None,
) -> list[tuple[datetime, datetime]]:
    """The participants' blocked time (sessions plus buffers) overlapping `[start, end)`."""
    table = SessionParticipant.__table__
    query = select(func.lower(table.c.blocked), func.upper(table.c.blocked)).where(
        table.c.person_id.in_(list(person_ids)),
        table.c.status != SessionStatus.CANCELED.value,
        table.c.blocked.op("&&")(func.tstzrange(start, end, literal("[)"))),
    )
    if except_session is not None:
        query = query.where(table.c.session_id != except_session)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def zones_of(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.time_zone).where(Person.id.in_(ids)))
    return {row.id: row.time_zone for row in rows}


async def session_for(session: AsyncSession, *, organization: str, session_id: uuid.UUID) -> Session | None:
    return await session.scalar(
        select(Session).where(Session.id == session_id, Session.organization == organization)
    )


async def locked_session(
    session: AsyncSession, *, organization: str, session_id: uuid.UUID
) -> Session | None:
    return await session.scalar(
        select(Session)
        .where(Session.id == session_id, Session.organization == organization)
        .with_for_update()
    )


def still_ahead(now: datetime) -> Any:
    """Sessions that have not begun: timed ones before their start, async ones before their due time."""
    return or_(
        and_(Session.format != SessionFormat.ASYNC.value, Session.starts_at > now),
        and_(Session.format == SessionFormat.ASYNC.value, Session.ends_at > now),
    )


async def future_sessions(
    session: AsyncSession,
    *,
    organization: str,
    now: datetime,
    person_id: uuid.UUID | None = None,
    mentorship_id: uuid.UUID | None = None,
) -> Sequence[Session]:
    """Scheduled sessions still ahead of a person or of a mentorship, locked for a change."""
    query = select(Session).where(
        Session.organization == organization,
        Session.status == SessionStatus.SCHEDULED.value,
        still_ahead(now),
    )
    if person_id is not None:
        query = query.where(or_(Session.mentor_id == person_id, Session.mentee_id == person_id))
    if mentorship_id is not None:
        query = query.where(Session.mentorship_id == mentorship_id)
    return list(await session.scalars(query.order_by(Session.starts_at, Session.id).with_for_update()))


async def proposal_for(session: AsyncSession, mentorship_id: uuid.UUID) -> ProposedSession | None:
    return await session.get(ProposedSession, mentorship_id)


# --- lists ---------------------------------------------------------------------------------------


def mentorship_overview(*, organization: str, now: datetime, grace: timedelta) -> Any:
    """Mentorships with their program's cadence, last and upcoming session, and whether the cadence
    was missed (the same rule as `cadence.is_missed`, in SQL so lists can filter and paginate)."""
    last_session = (
        select(func.max(Session.starts_at))
        .where(
            Session.mentorship_id == Mentorship.id,
            Session.status != SessionStatus.CANCELED.value,
            Session.starts_at <= now,
        )
        .scalar_subquery()
    )
    upcoming_session = (
        select(func.min(Session.starts_at))
        .where(
            Session.mentorship_id == Mentorship.id,
            Session.status == SessionStatus.SCHEDULED.value,
            Session.starts_at > now,
        )
        .scalar_subquery()
    )
    base = (
        select(
            Mentorship,
            Program.session_cadence.label("cadence"),
            Program.session_length_minutes.label("session_length_minutes"),
            last_session.label("last_session_at"),
            upcoming_session.label("upcoming_session_at"),
        )
        .outerjoin(Program, Program.id == Mentorship.program_id)
        .where(Mentorship.organization == organization)
        .subquery()
    )
    due = func.coalesce(base.c.last_session_at, base.c.started_at) + case(
        {cadence.value: interval for cadence, interval in CADENCE_INTERVALS.items()}, value=base.c.cadence
    )
    missed = and_(
        base.c.status == MentorshipStatus.ACTIVE.value,
        base.c.upcoming_session_at.is_(None),
        literal(now) > due + grace,
    )
    return select(base, missed.label("missed")), base, missed


async def list_mentorships(
    session: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    now: datetime,
    grace: timedelta,
    status: str | None,
    missed_only: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[Any]:
    """A page of mentorships (of `viewer` only, unless None), oldest first."""
    query, base, missed = mentorship_overview(organization=organization, now=now, grace=grace)
    if viewer is not None:
        query = query.where(or_(base.c.mentor_id == viewer, base.c.mentee_id == viewer))
    if status is not None:
        query = query.where(base.c.status == status)
    if missed_only:
        query = query.where(missed)
    if after is not None:
        query = query.where(
            tuple_(base.c.started_at, base.c.id) > tuple_(literal(after[0]), literal(after[1]))
        )
    query = query.order_by(base.c.started_at, base.c.id).limit(limit + 1)
    return list((await session.execute(query)).all())


async def mentorship_row(
    session: AsyncSession, *, organization: str, mentorship_id: uuid.UUID, now: datetime, grace: timedelta
) -> Any:
    query, base, _ = mentorship_overview(organization=organization, now=now, grace=grace)
    return (await session.execute(query.where(base.c.id == mentorship_id))).first()


async def proposals_for(
    session: AsyncSession, mentorship_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ProposedSession]:
    ids = list(mentorship_ids)
    if not ids:
        return {}
    rows = await session.scalars(select(ProposedSession).where(ProposedSession.mentorship_id.in_(ids)))
    return {row.mentorship_id: row for row in rows}


async def list_sessions(
    session: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    mentorship_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    status: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[Session]:
    """A page of sessions in start order (of `viewer` only, unless None)."""
    query = select(Session).where(Session.organization == organization)
    for person in (viewer, person_id):
        if person is not None:
            query = query.where(or_(Session.mentor_id == person, Session.mentee_id == person))
    if mentorship_id is not None:
        query = query.where(Session.mentorship_id == mentorship_id)
    if status is not None:
        query = query.where(Session.status == status)
    if starts_from is not None:
        query = query.where(Session.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Session.starts_at < starts_before)
    if after is not None:
        query = query.where(
            tuple_(Session.starts_at, Session.id) > tuple_(literal(after[0]), literal(after[1]))
        )
    query = query.order_by(Session.starts_at, Session.id).limit(limit + 1)
    return list(await session.scalars(query))


async def people(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    return {person.id: person for person in await session.scalars(select(Person).where(Person.id.in_(ids)))}


async def programs(session: AsyncSession, program_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Program]:
    ids = list(set(program_ids))
    if not ids:
        return {}
    return {
        program.id: program for program in await session.scalars(select(Program).where(Program.id.in_(ids)))
    }
