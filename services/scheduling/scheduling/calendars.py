"""Sessions as iCalendar (RFC 5545) with the `icalendar` library: pure code, no I/O.

Every session keeps one UID for life; SEQUENCE is the session's, raised on every change, so a
calendar app replaces its copy. Times carry the TZID of the reader's zone with its VTIMEZONE, so
the event stays right across DST changes. A canceled session stays in the feed as
STATUS:CANCELLED, which is how calendar apps learn to remove it. Async check-ins are VTODOs:
a due time and a prompt rather than a meeting.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, Todo, vCalAddress

from scheduling.timeline import zone
from shared.contracts.scheduling import SessionFormat, SessionState, SessionStatus

PRODID = "-//Mentorship platform//Scheduling//EN"
# How often subscribed calendar apps should fetch the feed again.
REFRESH = timedelta(hours=1)

_EVENT_STATUS = {
    SessionStatus.SCHEDULED: "CONFIRMED",
    SessionStatus.COMPLETED: "CONFIRMED",
    SessionStatus.NO_SHOW: "CONFIRMED",
    SessionStatus.CANCELED: "CANCELLED",
}
_TODO_STATUS = {
    SessionStatus.SCHEDULED: "NEEDS-ACTION",
    SessionStatus.COMPLETED: "COMPLETED",
    SessionStatus.NO_SHOW: "CANCELLED",
    SessionStatus.CANCELED: "CANCELLED",
}


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str

    def address(self, role: str) -> vCalAddress:
        address = vCalAddress(f"mailto:{self.email}")
        address.params["CN"] = self.name
        address.params["ROLE"] = role
        return address


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """A session with the names a calendar shows (people unknown here are left out)."""

    session: SessionState
    mentor: Attendee | None = None
    mentee: Attendee | None = None
    program_name: str | None = None


def calendar_uid(session_id: uuid.UUID) -> str:
    """The iCalendar UID of a session: its id, stable through every change."""
    return f"{session_id}@mentorship"


def render_calendar(
    entries: Sequence[CalendarEntry], *, time_zone: str, name: str, calendar_id: uuid.UUID
) -> bytes:
    """A VCALENDAR of `entries` with times in `time_zone` (plus its VTIMEZONE)."""
    calendar = Calendar.new(prodid=PRODID, name=name, uid=str(calendar_id), refresh_interval=REFRESH)
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    tz = zone(time_zone)
    for entry in entries:
        calendar.add_component(_component(entry, tz))
    if entries:
        first = min(entry.session.start for entry in entries)
        last = max(entry.session.end for entry in entries)
        calendar.add_missing_timezones(
            first_date=(first - timedelta(days=366)).date(), last_date=(last + timedelta(days=366)).date()
        )
    return bytes(calendar.to_ical())


def _component(entry: CalendarEntry, tz: ZoneInfo) -> Component:
    session = entry.session
    people = " & ".join(person.name for person in (entry.mentor, entry.mentee) if person is not None)
    program = f" ({entry.program_name})" if entry.program_name else ""
    attendees = [
        person.address("REQ-PARTICIPANT") for person in (entry.mentor, entry.mentee) if person is not None
    ]
    organizer = entry.mentor.address("CHAIR") if entry.mentor is not None else None
    description = _description(session) or None
    if session.format == SessionFormat.ASYNC:
        todo = Todo.new(
            uid=calendar_uid(session.id),
            sequence=session.sequence,
            # DTSTAMP is the revision's time, not the download's: a revision always renders the same.
            stamp=session.updated_at,
            created=session.created_at,
            last_modified=session.updated_at,
            start=session.start.astimezone(tz),
            summary=f"Mentorship check-in: {people}{program}",
            description=description,
            organizer=organizer,
            attendees=attendees,
        )
        todo.add("due", session.end.astimezone(tz))
        todo.add("status", _TODO_STATUS[session.status])
        return todo
    event = Event.new(
        uid=calendar_uid(session.id),
        sequence=session.sequence,
        stamp=session.updated_at,
        created=session.created_at,
        last_modified=session.updated_at,
        start=session.start.astimezone(tz),
        end=session.end.astimezone(tz),
        summary=f"Mentorship session: {people}{program}",
        description=description,
        location=session.location or session.meeting_url,
        url=session.meeting_url,
        organizer=organizer,
        attendees=attendees,
    )
    event.add("status", _EVENT_STATUS[session.status])
    return event


def _description(session: SessionState) -> str:
    lines = []
    if session.meeting_url:
        lines.append(f"Join: {session.meeting_url}")
    if session.prompt:
        lines.append(session.prompt)
    if session.status == SessionStatus.CANCELED and session.cancel_reason:
        lines.append(f"Canceled: {session.cancel_reason}")
    if session.status == SessionStatus.COMPLETED:
        lines.append("This session took place.")
    if session.status == SessionStatus.NO_SHOW:
        lines.append("This session did not take place (no-show).")
    return "\n".join(lines)
