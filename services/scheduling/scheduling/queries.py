"""Reads of the scheduling service, always scoped to one organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.availability import Availability
from scheduling.cadence import CADENCE_INTERVALS
from scheduling.models import (
    CalendarFeed,
    Match,
    MatchStatus,
    OrganizationPolicy,
    Person,
    Program,
    ProposedSession,
    Session,
    SessionParticipant,
)
from scheduling.policy import DEFAULT_POLICY, SchedulingPolicy
from shared.contracts.scheduling import SessionFormat, SessionStatus
from shared.pagination import keyset_page


@dataclass(frozen=True)
class MatchContext:
    """A match with what booking needs: its program, its two people, the organization's policy.

    The program and people come from other services' events; until those arrive they are None.
    """

    match: Match
    program: Program | None
    mentor: Person | None
    mentee: Person | None
    policy: SchedulingPolicy

    @property
    def participant_ids(self) -> tuple[uuid.UUID, uuid.UUID]:
        return (self.match.mentor_id, self.match.mentee_id)

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


async def match_context(
    session: AsyncSession, *, organization: str, match_id: uuid.UUID, lock: bool = False
) -> MatchContext | None:
    """The match and what booking needs. With `lock`, the match and its people are held (FOR
    SHARE) until the transaction ends: an event ending the match or deactivating a person then
    waits for a booking in flight and cancels it, instead of missing it. Bookings share the lock,
    so they still race each other (and PostgreSQL's exclusion constraint settles that race)."""
    match_query = select(Match).where(Match.id == match_id, Match.organization == organization)
    if lock:
        match_query = match_query.with_for_update(read=True)
    match = await session.scalar(match_query)
    if match is None:
        return None
    people_query = select(Person).where(
        Person.id.in_([match.mentor_id, match.mentee_id]), Person.organization == organization
    )
    if lock:
        people_query = people_query.order_by(Person.id).with_for_update(read=True)
    people = {person.id: person for person in await session.scalars(people_query)}
    program = await session.scalar(
        select(Program).where(Program.id == match.program_id, Program.organization == organization)
    )
    return MatchContext(
        match=match,
        program=program,
        mentor=people.get(match.mentor_id),
        mentee=people.get(match.mentee_id),
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
    match_id: uuid.UUID | None = None,
) -> Sequence[Session]:
    """Scheduled sessions still ahead of a person or of a match, locked for a change."""
    query = select(Session).where(
        Session.organization == organization,
        Session.status == SessionStatus.SCHEDULED.value,
        still_ahead(now),
    )
    if person_id is not None:
        query = query.where(or_(Session.mentor_id == person_id, Session.mentee_id == person_id))
    if match_id is not None:
        query = query.where(Session.match_id == match_id)
    return list(await session.scalars(query.order_by(Session.starts_at, Session.id).with_for_update()))


async def proposal_for(session: AsyncSession, match_id: uuid.UUID) -> ProposedSession | None:
    return await session.get(ProposedSession, match_id)


# --- lists ---------------------------------------------------------------------------------------


def match_overview(*, organization: str, now: datetime, grace: timedelta) -> Any:
    """Matches with their program's cadence, last and upcoming session, and whether the cadence was
    missed (the same rule as `cadence.is_missed`, in SQL so lists can filter and paginate)."""
    last_session = (
        select(func.max(Session.starts_at))
        .where(
            Session.match_id == Match.id,
            Session.status != SessionStatus.CANCELED.value,
            Session.starts_at <= now,
        )
        .scalar_subquery()
    )
    upcoming_session = (
        select(func.min(Session.starts_at))
        .where(
            Session.match_id == Match.id,
            Session.status == SessionStatus.SCHEDULED.value,
            Session.starts_at > now,
        )
        .scalar_subquery()
    )
    base = (
        select(
            Match,
            Program.session_cadence.label("cadence"),
            Program.session_length_minutes.label("session_length_minutes"),
            last_session.label("last_session_at"),
            upcoming_session.label("upcoming_session_at"),
        )
        .outerjoin(Program, Program.id == Match.program_id)
        .where(Match.organization == organization)
        .subquery()
    )
    due = func.coalesce(base.c.last_session_at, base.c.started_at) + case(
        {cadence.value: interval for cadence, interval in CADENCE_INTERVALS.items()}, value=base.c.cadence
    )
    missed = and_(
        base.c.status == MatchStatus.ACTIVE.value,
        base.c.upcoming_session_at.is_(None),
        literal(now) > due + grace,
    )
    return select(base, missed.label("missed")), base, missed


async def matches_page(
    db: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    now: datetime,
    grace: timedelta,
    status: str | None,
    missed_only: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """A page of matches (of `viewer` only, unless None), oldest first, and the next cursor."""
    query, base, missed = match_overview(organization=organization, now=now, grace=grace)
    if viewer is not None:
        query = query.where(or_(base.c.mentor_id == viewer, base.c.mentee_id == viewer))
    if status is not None:
        query = query.where(base.c.status == status)
    if missed_only:
        query = query.where(missed)
    return await keyset_page(db, query, key=(base.c.started_at, base.c.id), limit=limit, cursor=cursor)


async def match_row(
    db: AsyncSession, *, organization: str, match_id: uuid.UUID, now: datetime, grace: timedelta
) -> Any:
    """One match as `match_overview` shows it (None if the organization has no such match)."""
    query, base, _ = match_overview(organization=organization, now=now, grace=grace)
    return (await db.execute(query.where(base.c.id == match_id))).first()


async def proposals_for(db: AsyncSession, match_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProposedSession]:
    ids = list(match_ids)
    if not ids:
        return {}
    rows = await db.scalars(select(ProposedSession).where(ProposedSession.match_id.in_(ids)))
    return {row.match_id: row for row in rows}


async def sessions_page(
    db: AsyncSession,
    *,
    organization: str,
    viewer: uuid.UUID | None,
    match_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    status: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Session], str | None]:
    """A page of sessions in start order (of `viewer` only, unless None), and the next cursor."""
    query = select(Session).where(Session.organization == organization)
    for person in (viewer, person_id):
        if person is not None:
            query = query.where(or_(Session.mentor_id == person, Session.mentee_id == person))
    if match_id is not None:
        query = query.where(Session.match_id == match_id)
    if status is not None:
        query = query.where(Session.status == status)
    if starts_from is not None:
        query = query.where(Session.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Session.starts_at < starts_before)
    return await keyset_page(
        db, query, key=(Session.starts_at, Session.id), limit=limit, cursor=cursor, scalars=True
    )


# --- calendar feeds ------------------------------------------------------------------------------


async def feeds_of_person(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID
) -> Sequence[CalendarFeed]:
    """A person's calendar feeds, revoked ones included, oldest first."""
    return list(
        await db.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.organization == organization, CalendarFeed.person_id == person_id)
            .order_by(CalendarFeed.created_at, CalendarFeed.id)
        )
    )


async def sessions_of_person(
    db: AsyncSession, *, organization: str, person_id: uuid.UUID, since: datetime, limit: int = 2000
) -> Sequence[Session]:
    """The person's sessions from `since` on, canceled ones included (so calendars remove them)."""
    return list(
        await db.scalars(
            select(Session)
            .where(
                Session.organization == organization,
                or_(Session.mentor_id == person_id, Session.mentee_id == person_id),
                Session.ends_at >= since,
            )
            .order_by(Session.starts_at, Session.id)
            .limit(limit)
        )
    )


async def person_active(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> bool | None:
    """Whether the person is active, as profiles last said (None: not known here)."""
    active: bool | None = await session.scalar(
        select(Person.active).where(Person.id == person_id, Person.organization == organization)
    )
    return active


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
