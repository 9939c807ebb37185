"""Calendars through the API: one session as .ics, and a person's subscription feed behind a secret,
revocable URL, which calendar apps fetch without logging in."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.calendars import calendar_uid
from scheduling.models import CalendarFeed, Person
from shared.contracts.profiles import PersonDeactivated, PersonReactivated
from shared.db import transaction
from tests.conftest import AuthHeaders
from tests.scheduling.world import act, book, iso, make_pair, next_hour


async def test_a_session_downloads_as_ics_in_the_callers_own_zone(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth, mentor_zone="Asia/Kathmandu", mentee_zone="America/Chicago")
    start = next_hour()
    session = await book(scheduling_client, pair, start)
    for headers, zone in ((pair.as_mentor, "Asia/Kathmandu"), (pair.as_mentee, "America/Chicago")):
        response = await scheduling_client.get(f"/v1/sessions/{session['id']}/calendar.ics", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        (event,) = calendar.events
        assert event["DTSTART"].params["TZID"] == zone
        assert event.start == start
        assert str(event["UID"]) == calendar_uid(uuid.UUID(session["id"]))
        assert "Grace" in str(event["SUMMARY"])
    stranger = auth(pair.organization, str(uuid.uuid4()), "mentee")
    response = await scheduling_client.get(f"/v1/sessions/{session['id']}/calendar.ics", headers=stranger)
    assert response.status_code == 404


async def test_a_feed_url_shows_the_persons_sessions_until_it_is_revoked(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth, mentee_zone="Australia/Sydney")
    start = next_hour()
    kept = await book(scheduling_client, pair, start)
    dropped = await book(scheduling_client, pair, start + timedelta(hours=3))
    await act(scheduling_client, dropped, "cancel", pair.as_mentee, reason="Clash")
    moved = await act(
        scheduling_client, kept, "reschedule", pair.as_mentee, start=iso(start + timedelta(days=1))
    )

    created = await scheduling_client.post(
        "/v1/calendar-feeds", json={"label": "Phone"}, headers=pair.as_mentee
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    token = urlsplit(feed["url"]).path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40

    # No Authorization header: the URL alone opens the feed.
    response = await scheduling_client.get(urlsplit(feed["url"]).path)
    assert response.status_code == 200, response.text
    calendar = Calendar.from_ical(response.content)
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    events = {str(event["UID"]): event for event in calendar.events}
    now_kept = events[calendar_uid(uuid.UUID(kept["id"]))]
    assert now_kept["SEQUENCE"] == moved["sequence"] == 1
    assert now_kept.start == start + timedelta(days=1)
    assert now_kept["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert events[calendar_uid(uuid.UUID(dropped["id"]))]["STATUS"] == "CANCELLED"
    assert [timezone.tz_name for timezone in calendar.timezones] == ["Australia/Sydney"]

    listed = await scheduling_client.get("/v1/calendar-feeds", headers=pair.as_mentee)
    assert [item["id"] for item in listed.json()] == [feed["id"]]
    assert "url" not in listed.json()[0]
    async with scheduling_db() as session:
        stored = await session.scalar(
            select(CalendarFeed.token_hash).where(CalendarFeed.id == uuid.UUID(feed["id"]))
        )
    assert stored == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept

    revoked = await scheduling_client.delete(f"/v1/calendar-feeds/{feed['id']}", headers=pair.as_mentee)
    assert revoked.status_code == 204
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 404


async def test_feed_urls_cannot_be_guessed_or_revoked_by_others(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    feed = (await scheduling_client.post("/v1/calendar-feeds", json={}, headers=pair.as_mentor)).json()
    for guess in ("x" * 43, "../../etc", "a"):
        assert (await scheduling_client.get(f"/v1/calendar-feeds/{guess}.ics")).status_code == 404
    other = await scheduling_client.delete(f"/v1/calendar-feeds/{feed['id']}", headers=pair.as_mentee)
    assert other.status_code == 404
    integration = auth(pair.organization, "hr-system", "integration")
    assert (
        await scheduling_client.post("/v1/calendar-feeds", json={}, headers=integration)
    ).status_code == 403
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 200


def _addresses(event: Any, name: str) -> dict[str, str]:
    """The calendar addresses of an event's ORGANIZER or ATTENDEEs, by their CN."""
    values = event.get(name)
    values = values if isinstance(values, list) else [values]
    return {str(value.params["CN"]): str(value) for value in values}


async def test_calendar_entries_show_emails_only_where_the_api_would(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    """Profiles hides emails from fellow members: a calendar shows the other party's name (and id),
    the reader's own email, and every email only to admins and the integration."""
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    mentor_mail, mentee_mail = f"mailto:{pair.mentor.email}", f"mailto:{pair.mentee.email}"
    mentor_urn, mentee_urn = pair.mentor.id.urn, pair.mentee.id.urn
    integration = auth(pair.organization, "hr-system", "integration")
    expected = [
        (pair.as_mentee, {"Grace": mentor_urn, "Alan": mentee_mail}),
        (pair.as_mentor, {"Grace": mentor_mail, "Alan": mentee_urn}),
        (pair.as_admin, {"Grace": mentor_mail, "Alan": mentee_mail}),
        (integration, {"Grace": mentor_mail, "Alan": mentee_mail}),
    ]
    for headers, attendees in expected:
        response = await scheduling_client.get(f"/v1/sessions/{session['id']}/calendar.ics", headers=headers)
        assert response.status_code == 200, response.text
        (event,) = Calendar.from_ical(response.content).events
        assert _addresses(event, "ATTENDEE") == attendees
        assert _addresses(event, "ORGANIZER") == {"Grace": attendees["Grace"]}
        hidden = {pair.mentor.email, pair.mentee.email} - {
            address.removeprefix("mailto:") for address in attendees.values()
        }
        assert not any(email.encode() in response.content for email in hidden)

    for reader, other in ((pair.as_mentee, pair.mentor), (pair.as_mentor, pair.mentee)):
        feed = (await scheduling_client.post("/v1/calendar-feeds", json={}, headers=reader)).json()
        response = await scheduling_client.get(urlsplit(feed["url"]).path)
        assert response.status_code == 200
        (event,) = Calendar.from_ical(response.content).events
        assert _addresses(event, "ATTENDEE")[other.name] == other.id.urn
        assert other.email.encode() not in response.content


async def test_a_deactivated_person_loses_their_feeds_and_their_token_writes_nothing(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    pair = await make_pair(scheduling_db, auth)
    session = await book(scheduling_client, pair, next_hour())
    created = await scheduling_client.post(
        "/v1/calendar-feeds", json={"label": "Phone"}, headers=pair.as_mentee
    )
    feed = created.json()
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 200

    await pair.update_person(pair.mentee, PersonDeactivated, active=False)

    # The leaver's feed is revoked (not only hidden), and their still-valid token changes nothing.
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 404
    (listed,) = (await scheduling_client.get("/v1/calendar-feeds", headers=pair.as_mentee)).json()
    assert listed["revoked_at"] is not None
    refusals = [
        await scheduling_client.post("/v1/calendar-feeds", json={}, headers=pair.as_mentee),
        await scheduling_client.post(
            f"/v1/matches/{pair.id}/sessions",
            json={"format": "video", "start": iso(next_hour()), "meeting_url": "https://meet.example/x"},
            headers=pair.as_mentee,
        ),
        await scheduling_client.post(
            f"/v1/sessions/{session['id']}/reschedule",
            json={"start": iso(next_hour(timedelta(days=3)))},
            headers={**pair.as_mentee, "If-Match": '"2"'},
        ),
    ]
    for response in refusals:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/person-deactivated")
    # Revoking one's own feed is still allowed: it only takes access away.
    assert (
        await scheduling_client.delete(f"/v1/calendar-feeds/{feed['id']}", headers=pair.as_mentee)
    ).status_code == 204

    # Reactivated, they may subscribe again (with a new URL: the old one stays revoked).
    await pair.update_person(pair.mentee, PersonReactivated, active=True)
    again = await scheduling_client.post("/v1/calendar-feeds", json={}, headers=pair.as_mentee)
    assert again.status_code == 201, again.text
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 404


async def test_a_feed_of_a_person_deactivated_before_feeds_were_revoked_does_not_open(
    scheduling_client: httpx.AsyncClient, scheduling_db: async_sessionmaker[AsyncSession], auth: AuthHeaders
) -> None:
    """Feeds left live by a deactivation processed before leavers' feeds were revoked."""
    pair = await make_pair(scheduling_db, auth)
    feed = (await scheduling_client.post("/v1/calendar-feeds", json={}, headers=pair.as_mentor)).json()
    async with transaction(scheduling_db) as session:
        await session.execute(update(Person).where(Person.id == pair.mentor.id).values(active=False))
    assert (await scheduling_client.get(urlsplit(feed["url"]).path)).status_code == 404
