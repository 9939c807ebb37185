"""Sessions as iCalendar (RFC 5545) with the `icalendar` library: pure code, no I/O.

Scheduling serves them as files and subscription feeds; notifications attaches them to emails as
invitations (RFC 5546 iTIP: METHOD:REQUEST for a booking or a move, METHOD:CANCEL for a
cancellation), so both build the very same entries.

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
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, Todo, vCalAddress, vDuration

from shared.contracts.scheduling import SessionFormat, SessionStatus

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


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (raises `ZoneInfoNotFoundError` if unknown)."""
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Attendee:
    """A participant as the calendar's reader may see them: always the name, the email address
    only where the API would show it to that reader. Without one, the calendar address is the
    person's id (`urn:uuid:`, which the reader sees in the API anyway), so no address leaks."""

    name: str
    email: str | None = None
    person_id: uuid.UUID | None = None

    def address(self, role: str) -> vCalAddress:
        if self.email is not None:
            address = vCalAddress(f"mailto:{self.email}")
        elif self.person_id is not None:
            address = vCalAddress(self.person_id.urn)
        else:
            raise ValueError("an attendee needs an email address or a person id")
        address.params["CN"] = self.name
        address.params["ROLE"] = role
        return address


class Meeting(Protocol):
    """What a calendar entry shows of a session: a pair's (`SessionState`), a circle's or a flash one."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def sequence(self) -> int: ...
    @property
    def format(self) -> SessionFormat: ...
    @property
    def status(self) -> SessionStatus: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def meeting_url(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def cancel_reason(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """A session with the names a calendar shows (people unknown here are left out).

    A pair's session names its mentor and mentee; a circle session names its facilitator as
    `mentor` and everyone else in `others`, under a `title` of its own ("Circle: LLM evaluation")."""

    session: Meeting
    mentor: Attendee | None = None
    mentee: Attendee | None = None
    program_name: str | None = None
    others: tuple[Attendee, ...] = ()
    title: str | None = None


def calendar_uid(session_id: uuid.UUID) -> str:
    """The iCalendar UID of a session: its id, stable through every change."""
    return f"{session_id}@mentorship"


def render_calendar(
    entries: Sequence[CalendarEntry], *, time_zone: str, name: str, calendar_id: uuid.UUID
) -> bytes:
    """A VCALENDAR of `entries` with times in `time_zone` (plus its VTIMEZONE)."""
    calendar = Calendar.new(prodid=PRODID, name=name, uid=str(calendar_id))
    # Both are DURATION values (`PT1H`); RFC 7986 requires REFRESH-INTERVAL to say VALUE=DURATION.
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    _add_entries(calendar, entries, time_zone)
    return bytes(calendar.to_ical())


def render_invitation(entry: CalendarEntry, *, method: str, time_zone: str) -> bytes:
    """One session as an iTIP message for a mail client: `method` is REQUEST (booked or moved) or
    CANCEL (canceled: the same UID with STATUS:CANCELLED and the session's SEQUENCE)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    calendar = Calendar.new(prodid=PRODID, method=method)
    _add_entries(calendar, [entry], time_zone, cancel=method == "CANCEL")
    return bytes(calendar.to_ical())


def _add_entries(
    calendar: Calendar, entries: Sequence[CalendarEntry], time_zone: str, *, cancel: bool = False
) -> None:
    tz = zone(time_zone)
    for entry in entries:
        component = _component(entry, tz)
        if cancel:
            component.pop("STATUS", None)
            component.add("status", "CANCELLED")
        calendar.add_component(component)
    if entries:
        first = min(entry.session.start for entry in entries)
        last = max(entry.session.end for entry in entries)
        calendar.add_missing_timezones(
            first_date=(first - timedelta(days=366)).date(), last_date=(last + timedelta(days=366)).date()
        )


def _component(entry: CalendarEntry, tz: ZoneInfo) -> Component:
    session = entry.session
    people = entry.title or " & ".join(
        person.name for person in (entry.mentor, entry.mentee) if person is not None
    )
    program = f" ({entry.program_name})" if entry.program_name else ""
    attendees = [
        person.address("REQ-PARTICIPANT")
        for person in (entry.mentor, entry.mentee, *entry.others)
        if person is not None
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


def _description(session: Meeting) -> str:
    lines = []
    if session.meeting_url:
        lines.append(f"Join: {session.meeting_url}")
    prompt = getattr(session, "prompt", None)  # async check-ins of pairs only
    if prompt:
        lines.append(prompt)
    if session.status == SessionStatus.CANCELED and session.cancel_reason:
        lines.append(f"Canceled: {session.cancel_reason}")
    if session.status == SessionStatus.COMPLETED:
        lines.append("This session took place.")
    if session.status == SessionStatus.NO_SHOW:
        lines.append("This session did not take place (no-show).")
    return "\n".join(lines)
