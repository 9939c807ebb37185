"""Sessions with the names and emails calendars show, from the read models."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import queries
from scheduling.calendars import Attendee, CalendarEntry
from scheduling.documents import session_state
from scheduling.models import Person, Session


async def calendar_entries(
    session: AsyncSession, rows: Sequence[Session]
) -> tuple[list[CalendarEntry], dict[uuid.UUID, Person]]:
    """Calendar entries of `rows`, and the people they involve."""
    people = await queries.people(
        session, [person for row in rows for person in (row.mentor_id, row.mentee_id)]
    )
    programs = await queries.programs(session, [row.program_id for row in rows])

    def attendee(person_id: uuid.UUID) -> Attendee | None:
        person = people.get(person_id)
        return Attendee(name=person.name, email=person.email) if person else None

    entries = [
        CalendarEntry(
            session=session_state(row),
            mentor=attendee(row.mentor_id),
            mentee=attendee(row.mentee_id),
            program_name=programs[row.program_id].name if row.program_id in programs else None,
        )
        for row in rows
    ]
    return entries, people
