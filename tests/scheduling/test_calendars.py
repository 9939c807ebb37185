"""Sessions as iCalendar (pure): stable UID, SEQUENCE, TZID with VTIMEZONE, cancellations, round trips."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDuration

from scheduling.calendars import Attendee, CalendarEntry, calendar_uid, render_calendar
from shared.contracts.scheduling import SessionFormat, SessionState, SessionStatus

MENTOR = Attendee(name="Grace Hopper", email="grace@example.com")
MENTEE = Attendee(name="Alan Turing", email="alan@example.com")


def session(**changes: object) -> SessionState:
    start = datetime(2026, 3, 9, 14, tzinfo=UTC)
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "organization": "org",
        "version": 1,
        "sequence": 0,
        "match_id": uuid.uuid4(),
        "program_id": uuid.uuid4(),
        "mentor_id": uuid.uuid4(),
        "mentee_id": uuid.uuid4(),
        "format": SessionFormat.VIDEO,
        "status": SessionStatus.SCHEDULED,
        "start": start,
        "end": start + timedelta(hours=1),
        "meeting_url": "https://meet.example/abc",
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 1, tzinfo=UTC),
    }
    values.update(changes)
    return SessionState.model_validate(values)


def render(*sessions: SessionState, time_zone: str = "Asia/Kolkata") -> Calendar:
    entries = [CalendarEntry(state, MENTOR, MENTEE, "AI onboarding") for state in sessions]
    return Calendar.from_ical(
        render_calendar(entries, time_zone=time_zone, name="Sessions", calendar_id=uuid.uuid4())
    )


def test_a_session_is_an_event_in_the_readers_zone_with_its_vtimezone() -> None:
    state = session()
    calendar = render(state)
    (event,) = calendar.events
    assert str(event["UID"]) == calendar_uid(state.id)
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event.start == datetime(2026, 3, 9, 19, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert event.start == state.start and event.end == state.end
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert [timezone.tz_name for timezone in calendar.timezones] == ["Asia/Kolkata"]
    assert calendar.get_missing_tzids() == set()
    assert str(event["URL"]) == "https://meet.example/abc"
    assert "Grace Hopper" in str(event["SUMMARY"]) and "AI onboarding" in str(event["SUMMARY"])
    assert {str(attendee) for attendee in event["ATTENDEE"]} == {
        "mailto:grace@example.com",
        "mailto:alan@example.com",
    }


def test_a_rescheduled_session_keeps_its_uid_and_raises_its_sequence() -> None:
    first = session()
    moved = first.model_copy(
        update={
            "start": first.start + timedelta(days=1),
            "end": first.end + timedelta(days=1),
            "sequence": 1,
            "version": 2,
        }
    )
    before, after = render(first).events[0], render(moved).events[0]
    assert before["UID"] == after["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after.start - before.start == timedelta(days=1)


def test_a_canceled_session_stays_in_the_calendar_as_cancelled() -> None:
    calendar = render(session(status=SessionStatus.CANCELED, cancel_reason="Sick", sequence=1))
    (event,) = calendar.events
    assert event["STATUS"] == "CANCELLED"
    assert "Sick" in str(event["DESCRIPTION"])


def test_an_async_check_in_is_a_todo_with_a_due_time_and_its_prompt() -> None:
    state = session(
        format=SessionFormat.ASYNC,
        meeting_url=None,
        prompt="What did you ship this week?",
        end=datetime(2026, 3, 12, 17, tzinfo=UTC),
    )
    calendar = render(state, time_zone="Europe/Paris")
    assert calendar.events == []
    (todo,) = calendar.todos
    assert todo["STATUS"] == "NEEDS-ACTION"
    assert todo["DUE"].dt == datetime(2026, 3, 12, 18, tzinfo=ZoneInfo("Europe/Paris"))
    assert "What did you ship" in str(todo["DESCRIPTION"])


def test_events_across_a_dst_change_keep_their_instants_in_one_local_zone() -> None:
    winter = session(start=datetime(2026, 3, 2, 15, tzinfo=UTC), end=datetime(2026, 3, 2, 16, tzinfo=UTC))
    summer = session(start=datetime(2026, 3, 16, 15, tzinfo=UTC), end=datetime(2026, 3, 16, 16, tzinfo=UTC))
    calendar = render(winter, summer, time_zone="America/New_York")
    starts = sorted(event.start for event in calendar.events)
    assert [start.hour for start in starts] == [10, 11]  # 10:00 EST, then 11:00 EDT: the same 15:00 UTC
    assert [start.astimezone(UTC).hour for start in starts] == [15, 15]
    (timezone,) = calendar.timezones
    assert {part["TZOFFSETTO"].to_ical() for part in timezone.walk() if "TZOFFSETTO" in part} >= {
        "-0500",
        "-0400",
    }


def test_a_feed_round_trips_through_the_icalendar_parser() -> None:
    states = [
        session(),
        session(status=SessionStatus.CANCELED, sequence=2),
        session(format=SessionFormat.IN_PERSON, meeting_url=None, location="Room 4"),
    ]
    text = render_calendar(
        [CalendarEntry(state, MENTOR, MENTEE) for state in states],
        time_zone="Australia/Adelaide",
        name="Feed",
        calendar_id=uuid.uuid4(),
    )
    parsed = Calendar.from_ical(text)
    assert parsed.to_ical() == text
    assert {str(event["UID"]) for event in parsed.events} == {calendar_uid(state.id) for state in states}
    assert next(event for event in parsed.events if "LOCATION" in event and event["LOCATION"] == "Room 4")


def test_the_same_revision_renders_the_same_bytes() -> None:
    state = session()
    entries = [CalendarEntry(state, MENTOR, MENTEE)]
    calendar_id = uuid.uuid4()
    assert render_calendar(entries, time_zone="UTC", name="x", calendar_id=calendar_id) == render_calendar(
        entries, time_zone="UTC", name="x", calendar_id=calendar_id
    )


def test_a_feed_says_how_often_to_refresh_as_durations() -> None:
    text = render_calendar(
        [CalendarEntry(session(), MENTOR, MENTEE)], time_zone="UTC", name="Feed", calendar_id=uuid.uuid4()
    )
    parsed = Calendar.from_ical(text)

    # RFC 7986 §5.7: REFRESH-INTERVAL;VALUE=DURATION; X-PUBLISHED-TTL is read as a DURATION too.
    refresh = parsed["REFRESH-INTERVAL"]
    assert refresh.params["VALUE"] == "DURATION" and refresh.dt == timedelta(hours=1)
    assert vDuration.from_ical(str(parsed["X-PUBLISHED-TTL"])) == timedelta(hours=1)
    lines = text.decode().splitlines()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines and "X-PUBLISHED-TTL:PT1H" in lines
