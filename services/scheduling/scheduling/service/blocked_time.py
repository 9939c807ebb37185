"""The time a session blocks in its participants' calendars, where PostgreSQL refuses double-booking.

Each timed session has one `session_participants` row per person: its time plus the buffer after
it. The exclusion constraint refuses a second live row of the same person whose range overlaps,
even when two bookings race; this module turns that refusal into a 409 `slot-taken`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import Session, SessionParticipant
from shared.constraints import DEADLOCK_DETECTED, Conflict, refusals_as_problems, sqlstate
from shared.contracts.scheduling import SessionFormat, SessionStatus
from shared.locks import advisory_lock

DOUBLE_BOOKING = "ex_session_participants_no_double_booking"
SLOT_TAKEN = Conflict(
    None, "a participant already has a session at that time", slug="slot-taken", title="Slot taken"
)
# Writers taking overlapping time of the same people in opposite orders wait for each other under
# the exclusion constraint, and PostgreSQL aborts one. Bookings take turns to avoid it
# (`take_turns`); should it still happen, the aborted one lost the race.
RACE_LOST = Conflict(
    None, "another booking took this time at the same moment", slug="slot-taken", title="Slot taken"
)
CONFLICTS = {DOUBLE_BOOKING: SLOT_TAKEN}


@contextlib.contextmanager
def refusals_as_conflicts() -> Iterator[None]:
    """PostgreSQL refusing a write of blocked time as its problem: 409 `slot-taken` for a double
    booking or a lost race, 409 naming the constraint for any other refusal."""
    try:
        with refusals_as_problems(CONFLICTS):
            yield
    except DBAPIError as exc:
        if sqlstate(exc) == DEADLOCK_DETECTED:
            raise RACE_LOST.problem() from exc
        raise


def person_lock(person_id: uuid.UUID) -> str:
    """The advisory lock key of a person's calendar."""
    return f"scheduling.person.{person_id}"


async def take_turns(session: AsyncSession, row: Session) -> None:
    """Queue behind other bookings of the same people until this transaction ends.

    Without it, two transactions inserting overlapping time of one person at the same moment both
    wait for each other under the exclusion constraint until PostgreSQL's deadlock detector aborts
    one a second later. Taking turns per person (the locks are taken in one global order) lets the
    second see the first's committed time at once: the exclusion constraint still decides, without
    the stall.
    """
    await advisory_lock(session, *(person_lock(person) for person in participants_of(row)))


def participants_of(row: Session) -> tuple[uuid.UUID, ...]:
    """Whose time the session takes: the pair's, and a facilitated check-in's facilitator's."""
    people = (row.mentor_id, row.mentee_id)
    return people if row.facilitator_id is None else (*people, row.facilitator_id)


def _blocked_range(row: Session, buffer: timedelta) -> Range[datetime]:
    return Range(row.starts_at, row.ends_at + buffer, bounds="[)")


async def block_time(session: AsyncSession, row: Session, *, buffer: timedelta) -> None:
    """Block the session's time (plus `buffer`) for its participants; 409 if any one's is taken."""
    if row.format == SessionFormat.ASYNC:
        return  # a check-in takes no calendar time
    await take_turns(session, row)
    with refusals_as_conflicts():
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
                for person_id in sorted(participants_of(row))
            ],
        )


async def follow_session(session: AsyncSession, row: Session, *, buffer: timedelta | None = None) -> None:
    """Bring the participants' rows to the session's status (and its new time, with a buffer)."""
    values: dict[str, object] = {"status": row.status}
    if buffer is not None:
        values["blocked"] = _blocked_range(row, buffer)
        await take_turns(session, row)
    with refusals_as_conflicts():
        await session.execute(
            update(SessionParticipant).where(SessionParticipant.session_id == row.id).values(**values)
        )


async def block_people(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    organization: str,
    people: Iterable[uuid.UUID],
    blocked: Range[datetime],
    kind: str,
) -> None:
    """Block the time of a circle or flash session for each of its `people`; 409 if anyone's is
    taken. The same exclusion constraint as pairs decides, one row per person, and the people's
    locks are taken in one global order first, so bookings with overlapping people take turns."""
    ordered = sorted(set(people))
    await advisory_lock(session, *(person_lock(person) for person in ordered))
    with refusals_as_conflicts():
        await session.execute(
            insert(SessionParticipant),
            [
                {
                    "session_id": session_id,
                    "person_id": person,
                    "organization": organization,
                    "blocked": blocked,
                    "status": SessionStatus.SCHEDULED.value,
                    "kind": kind,
                }
                for person in ordered
            ],
        )


async def follow_people(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    people: Iterable[uuid.UUID],
    status: str,
    blocked: Range[datetime] | None = None,
) -> None:
    """Bring some participants' rows of a circle or flash session to `status` (canceled: their time
    is free) and, when it moves, to its new time (taking turns, 409 if anyone's is taken)."""
    ordered = sorted(set(people))
    if not ordered:
        return
    values: dict[str, object] = {"status": status}
    if blocked is not None:
        values["blocked"] = blocked
        await advisory_lock(session, *(person_lock(person) for person in ordered))
    with refusals_as_conflicts():
        await session.execute(
            update(SessionParticipant)
            .where(SessionParticipant.session_id == session_id, SessionParticipant.person_id.in_(ordered))
            .values(**values)
        )


def blocked_range(starts_at: datetime, ends_at: datetime, buffer: timedelta) -> Range[datetime]:
    """The time a session keeps taken: itself and the buffer after it."""
    return Range(starts_at, ends_at + buffer, bounds="[)")
