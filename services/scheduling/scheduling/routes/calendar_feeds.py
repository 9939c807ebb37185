"""Calendar subscription feeds: a secret URL per feed that calendar apps poll, revocable at will."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Response

from scheduling import feeds, queries, service
from scheduling.calendar_entries import calendar_entries
from scheduling.calendars import render_calendar
from scheduling.dependencies import Caller, Reader, RuntimeDep, SettingsDep
from scheduling.models import CalendarFeed
from scheduling.schemas import FeedCreate, FeedCreated, FeedOut
from scheduling.web import calendar_response, document_response, problems
from shared.db import transaction
from shared.errors import not_found

router = APIRouter(prefix="/v1", tags=["calendar feeds"])


def _feed_document(feed: CalendarFeed) -> dict[str, object]:
    return {
        "id": feed.id,
        "person_id": feed.person_id,
        "label": feed.label,
        "created_at": feed.created_at,
        "revoked_at": feed.revoked_at,
        "last_used_at": feed.last_used_at,
    }


@router.post(
    "/calendar-feeds",
    status_code=201,
    response_model=FeedCreated,
    summary="Create a subscription URL for your sessions (the URL is shown only in this response)",
    responses=problems(403, 409),
)
async def create_feed(
    body: FeedCreate, caller: Caller, runtime: RuntimeDep, settings: SettingsDep
) -> Response:
    async with transaction(runtime.sessions) as session:
        feed, token = await feeds.create_feed(
            session,
            caller=caller,
            label=body.label,
            now=service.now_utc(),
            max_feeds=settings.max_feeds_per_person,
        )
    url = f"{settings.public_base_url.rstrip('/')}/v1/calendar-feeds/{token}.ics"
    return document_response(
        {**_feed_document(feed), "url": url},
        status_code=201,
        headers={"Cache-Control": "no-store", "Location": f"/v1/calendar-feeds/{feed.id}"},
    )


@router.get(
    "/calendar-feeds", response_model=list[FeedOut], summary="Your calendar feeds (without their URLs)"
)
async def list_feeds(caller: Caller, db: Reader) -> Response:
    return document_response([_feed_document(feed) for feed in await feeds.list_feeds(db, caller=caller)])


@router.delete(
    "/calendar-feeds/{feed_id}",
    status_code=204,
    summary="Revoke a calendar feed: its URL stops working at once",
    responses=problems(404),
)
async def revoke_feed(feed_id: uuid.UUID, caller: Caller, runtime: RuntimeDep) -> Response:
    async with transaction(runtime.sessions) as session:
        await feeds.revoke_feed(session, caller=caller, feed_id=feed_id, now=service.now_utc())
    return Response(status_code=204)


@router.get(
    "/calendar-feeds/{token}.ics",
    summary="A person's sessions as an iCalendar feed (no login: the secret URL is the credential)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **problems(404)},
)
async def get_feed(token: str, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    now = service.now_utc()
    async with transaction(runtime.sessions) as session:
        feed = await feeds.feed_by_token(session, token=token, now=now)
        if feed is None:
            raise not_found("calendar feed")
        rows = await feeds.sessions_of_person(
            session,
            organization=feed.organization,
            person_id=feed.person_id,
            since=now - timedelta(days=settings.feed_history_days),
        )
        entries, people = await calendar_entries(session, rows)
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
