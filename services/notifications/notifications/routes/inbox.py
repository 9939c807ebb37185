"""A person's inbox: list, unread count, read and archive, and the live stream (SSE)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Query, Request, Response
from sse_starlette.sse import EventSourceResponse

from notifications import queries
from notifications.dependencies import LiveHubDep, LiveReadsDep, Me
from notifications.documents import notification_document
from notifications.schemas import NotificationChange, ReadAll
from notifications.service import inbox
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Reader, RuntimeDep, Writer
from shared.live import LiveItem, last_event_id, live_response
from shared.pagination import Cursor, Limit
from shared.responses import document_response, found, page_response, problems
from shared.routing import Routes

router = Routes("inbox", "A person's notifications, unread count and live stream", prefix="/v1/me")


@router.reads("/notifications", None, 400, 403)
async def list_notifications(
    me: Me,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    unread: Annotated[bool, Query(description="Only unread ones")] = False,
    archived: Annotated[bool, Query(description="The archived ones instead of the others")] = False,
) -> Response:
    """My notifications, newest first"""
    rows, next_cursor = await queries.inbox_page(
        db, me.organization, me.id, unread_only=unread, archived=archived, limit=limit, cursor=cursor
    )
    return page_response([notification_document(row) for row in rows], next_cursor)


@router.reads("/notifications/unread-count", None, 403)
async def unread_count(me: Me, db: Reader) -> Response:
    """How many unread notifications (the bell)"""
    return document_response({"unread": await queries.unread_count(db, me.organization, me.id)})


@router.reads(
    "/notifications/stream",
    None,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(403)},
    response_class=EventSourceResponse,
)
async def stream(
    request: Request,
    me: Me,
    runtime: RuntimeDep,
    hub: LiveHubDep,
    hub_reads: LiveReadsDep,
    after: Annotated[int | None, Query(ge=0, description="Resume after this `seq`")] = None,
) -> EventSourceResponse:
    """Live stream of my new notifications (Server-Sent Events)

    `text/event-stream`: one `notification` event per new inbox entry, its `id` the entry's `seq`. A
    reconnecting client sends `Last-Event-ID` (or `?after=`) and misses nothing. Browsers pass the bearer
    token with a fetch-based EventSource.
    """

    async def fetch(position: int) -> Sequence[LiveItem]:
        # Thousands of streams (re)connecting at once queue here, not for the pool's connections.
        async with hub_reads, runtime.read_sessions() as session:
            rows = await queries.inbox_after(session, me.organization, me.id, position)
        return [LiveItem(seq=row.seq, event="notification", data=notification_document(row)) for row in rows]

    return live_response(
        hub, topic=str(me.id), after=last_event_id(request, after), fetch=fetch, request=request
    )


@router.reads("/notifications/{notification_id}", None, 403, 404)
async def get_notification(notification_id: uuid.UUID, me: Me, db: Reader) -> Response:
    """One notification"""
    row = found(
        await queries.notification_of(db, notification_id, organization=me.organization, person_id=me.id),
        "notification",
    )
    return document_response(notification_document(row), version=row.version)


@router.patches("/notifications/{notification_id}", None, 403, 404, 412, 422, 428)
async def change_notification(
    notification_id: uuid.UUID, changes: NotificationChange, me: Me, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Mark a notification read or unread, archived or not"""
    async with writer.transaction() as session:
        row = found(
            await queries.notification_of(
                session, notification_id, organization=me.organization, person_id=me.id
            ),
            "notification",
        )
        inbox.change(row, changes, if_match=if_match, now=utcnow())
        await session.flush()
        document = notification_document(row)
    return document_response(document, version=row.version)


@router.posts("/notifications/read-all", None, 403, 422)
async def read_all(me: Me, writer: Writer, body: ReadAll | None = None) -> Response:
    """Mark all (or all up to a seq) read"""
    async with writer.transaction() as session:
        count = await inbox.read_all(
            session,
            organization=me.organization,
            person_id=me.id,
            up_to=body.up_to if body else None,
            now=utcnow(),
        )
    return document_response({"marked_read": count})
