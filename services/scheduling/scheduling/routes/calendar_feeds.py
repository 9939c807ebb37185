"""Calendar subscription feeds: a secret URL per feed that calendar apps poll, revocable at will."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Response

from scheduling import queries
from scheduling.calendar_entries import calendar_entries, group_calendar_entries
from scheduling.calendars import render_calendar
from scheduling.dependencies import SettingsDep
from scheduling.documents import calendar_response, feed_document
from scheduling.group_queries import group_sessions_of_person
from scheduling.schemas import FeedCreate, FeedCreated, FeedOut
from scheduling.service import calendar_feeds
from shared.clock import utcnow
from shared.dependencies import Caller, Reader, Writer
from shared.responses import document_response, found, problems
from shared.routing import Routes

router = Routes("calendar feeds", "iCalendar subscription URLs")


@router.creates("/calendar-feeds", FeedCreated, 403, 409)
async def create_feed(body: FeedCreate, caller: Caller, writer: Writer, settings: SettingsDep) -> Response:
    """Create a subscription URL for your sessions (the URL is shown only in this response)"""
    async with writer.transaction() as session:
        feed, token = await calendar_feeds.create_feed(
            session,
            caller=caller,
            label=body.label,
            now=utcnow(),
            max_feeds=settings.max_feeds_per_person,
        )
    url = f"{settings.public_base_url.rstrip('/')}/v1/calendar-feeds/{token}.ics"
    return document_response(
        {**feed_document(feed), "url": url},
        status_code=201,
        headers={"Cache-Control": "no-store", "Location": f"/v1/calendar-feeds/{feed.id}"},
    )


@router.reads("/calendar-feeds", list[FeedOut])
async def list_feeds(caller: Caller, db: Reader) -> Response:
    """Your calendar feeds (without their URLs)"""
    person_id = calendar_feeds.feed_owner(caller)
    feeds = await queries.feeds_of_person(db, organization=caller.organization, person_id=person_id)
    return document_response([feed_document(feed) for feed in feeds])


@router.deletes("/calendar-feeds/{feed_id}", None, 404)
async def revoke_feed(feed_id: uuid.UUID, caller: Caller, writer: Writer) -> Response:
    """Revoke a calendar feed: its URL stops working at once"""
    async with writer.transaction() as session:
        await calendar_feeds.revoke_feed(session, caller=caller, feed_id=feed_id, now=utcnow())
    return Response(status_code=204)


@router.reads(
    "/calendar-feeds/{token}.ics",
    None,
    responses={200: {"content": {"text/calendar": {}}}, **problems(404)},
    response_class=Response,
)
async def get_feed(token: str, writer: Writer, settings: SettingsDep) -> Response:
    """A person's sessions as an iCalendar feed (no login: the secret URL is the credential)"""
    now = utcnow()
    # A transaction, not a reader: opening a feed notes when it was last used.
    async with writer.transaction() as session:
        feed = found(await calendar_feeds.open_feed(session, token=token, now=now), "calendar feed")
        rows = await queries.sessions_of_person(
            session,
            organization=feed.organization,
            person_id=feed.person_id,
            since=now - timedelta(days=settings.feed_history_days),
        )
        # A feed URL is a bearer credential that calendar apps sync and share: it shows the
        # owner's own email address and nobody else's, whatever the owner's roles.
        owner_id = feed.person_id
        entries, people = await calendar_entries(
            session, rows, shows_email=lambda person_id: person_id == owner_id
        )
        # Circle and flash sessions too: one calendar of everything the person attends.
        circles, flashes = await group_sessions_of_person(
            session,
            organization=feed.organization,
            person_id=feed.person_id,
            since=now - timedelta(days=settings.feed_history_days),
        )
        entries += await group_calendar_entries(
            session, circles, flashes, viewer=owner_id, shows_email=lambda person_id: person_id == owner_id
        )
        owner = people.get(feed.person_id) or (await queries.people(session, [feed.person_id])).get(
            feed.person_id
        )
    body = render_calendar(
        entries,
        time_zone=owner.time_zone if owner else "UTC",
        name=f"Mentorship sessions of {owner.name}" if owner else "Mentorship sessions",
        calendar_id=feed.id,
    )
    return calendar_response(body, filename="mentorship.ics", cache_seconds=300)
