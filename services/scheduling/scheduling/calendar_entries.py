"""Sessions with the names (and, where the reader may see them, the emails) calendars show."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import queries
from scheduling.calendars import Attendee, CalendarEntry
from scheduling.documents import session_state
from scheduling.models import Circle, CircleSession, FlashSession, Person, Session
from scheduling.service.circle_sessions import circle_session_state
from scheduling.service.flash import flash_state
from shared.contracts.scheduling import FlashSessionState, ParticipantStatus, SessionFormat, SessionStatus


@dataclass(frozen=True, slots=True)
class FlashMeeting:
    """A flash session as a calendar shows it (`shared.calendars.Meeting`): always online, so it
    has a meeting link and never a location."""

    id: uuid.UUID
    sequence: int
    format: SessionFormat
    status: SessionStatus
    start: datetime
    end: datetime
    meeting_url: str | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    location: str | None = None

    @classmethod
    def of(cls, state: FlashSessionState) -> FlashMeeting:
        return cls(
            id=state.id,
            sequence=state.sequence,
            format=state.format,
            status=state.status,
            start=state.start,
            end=state.end,
            meeting_url=state.meeting_url,
            cancel_reason=state.cancel_reason,
            created_at=state.created_at,
            updated_at=state.updated_at,
        )


async def calendar_entries(
    session: AsyncSession, rows: Sequence[Session], *, shows_email: Callable[[uuid.UUID], bool]
) -> tuple[list[CalendarEntry], dict[uuid.UUID, Person]]:
    """Calendar entries of `rows`, and the people they involve.

    `shows_email(person_id)` says whether the reader may see that person's email address (the
    API's visibility rules, `access.sees_email_of`); other attendees show their name only.
    """
    people = await queries.people(
        session, [person for row in rows for person in (row.mentor_id, row.mentee_id)]
    )
    programs = await queries.programs(session, [row.program_id for row in rows])

    def attendee(person_id: uuid.UUID) -> Attendee | None:
        person = people.get(person_id)
        if person is None:
            return None
        email = person.email if shows_email(person_id) else None
        return Attendee(name=person.name, email=email, person_id=person_id)

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


async def group_calendar_entries(
    session: AsyncSession,
    circles: Sequence[CircleSession],
    flashes: Sequence[FlashSession],
    *,
    viewer: uuid.UUID,
    shows_email: Callable[[uuid.UUID], bool],
) -> list[CalendarEntry]:
    """Calendar entries of a person's circle and flash sessions. A circle session names its
    facilitator as organizer and every other attendee; one the viewer left (they left the circle)
    shows as canceled to them, so their calendar drops it."""
    people = await queries.people(
        session,
        [
            *(uuid.UUID(str(item["person_id"])) for row in circles for item in row.participants),
            *(person for row in flashes for person in (row.mentor_id, row.mentee_id)),
        ],
    )
    programs = await queries.programs(session, [row.program_id for row in [*circles, *flashes]])
    topics = {
        circle.id: circle.topic
        for circle in await session.scalars(
            select(Circle).where(Circle.id.in_({row.circle_id for row in circles}))
        )
    }

    def attendee(person_id: uuid.UUID) -> Attendee | None:
        person = people.get(person_id)
        if person is None:
            return None
        return Attendee(
            name=person.name, email=person.email if shows_email(person_id) else None, person_id=person_id
        )

    def program_name(program_id: uuid.UUID) -> str | None:
        return programs[program_id].name if program_id in programs else None

    entries = []
    for row in circles:
        state = circle_session_state(row)
        mine = next((item for item in row.participants if str(item["person_id"]) == str(viewer)), None)
        if mine is not None and mine["status"] == ParticipantStatus.LEFT.value:
            state = state.model_copy(
                update={"status": SessionStatus.CANCELED, "cancel_reason": "you left the circle"}
            )
        present = [
            (uuid.UUID(str(item["person_id"])), item["role"])
            for item in row.participants
            if item["status"] == ParticipantStatus.ATTENDING.value
        ]
        lead = next((person for person, role in present if role == "facilitator"), None)
        others = tuple(
            found for person, _ in present if person != lead and (found := attendee(person)) is not None
        )
        topic = topics.get(row.circle_id, "").replace("-", " ")
        entries.append(
            CalendarEntry(
                session=state,
                mentor=attendee(lead) if lead is not None else None,
                others=others,
                program_name=program_name(row.program_id),
                title=f"circle on {topic}" if topic else "circle",
            )
        )
    for flash in flashes:
        entries.append(
            CalendarEntry(
                session=FlashMeeting.of(flash_state(flash)),
                mentor=attendee(flash.mentor_id),
                mentee=attendee(flash.mentee_id),
                program_name=program_name(flash.program_id),
            )
        )
    return entries
