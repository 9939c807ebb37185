"""The pair's conversation: read it, post, edit within the window, delete, mark read, stream it
live, and report a message to the program's admins. Only the pair reads it (404 for anyone else,
admins included)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.dependencies import Caller, Change, Creation, Reader, RuntimeDep, Writer
from shared.live import last_event_id, live_response
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from shared.routing import Routes
from workspace import queries
from workspace.access import member_only
from workspace.dependencies import Hub, SettingsDep
from workspace.documents import message_document
from workspace.queries import messages as message_queries
from workspace.schemas import (
    Message,
    MessageCreate,
    MessageEdit,
    MessagePage,
    ReadMarker,
    ReadState,
    Report,
    ReportCreate,
)
from workspace.service import messages

router = Routes("messages", "The pair's conversation, its live stream and read state")


@router.reads("/matches/{match_id}/messages", MessagePage, 400, 404)
async def list_messages(
    match_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """The conversation, newest first (deleted messages as tombstones); the pair only"""
    access = member_only(await queries.visible_pair(db, caller=caller, match_id=match_id), "conversation")
    return page_response(*await message_queries.messages_page(db, access=access, limit=limit, cursor=cursor))


@router.creates("/matches/{match_id}/messages", Message, 403, 404, 409, 422)
async def post_message(
    match_id: uuid.UUID,
    body: MessageCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Post a message to the other member (text; links are not rendered)"""

    async def create(session: AsyncSession) -> Created:
        access = await queries.visible_pair(session, caller=caller, match_id=match_id)
        member_only(access, "conversation")
        message = await messages.post_message(
            session, caller=caller, match_id=match_id, body=body.body, now=utcnow()
        )
        return message_document(message), {"ETag": f'"{message.version}"'}

    return await creation.run(caller=caller, create=create)


@router.patches("/messages/{message_id}", Message, 403, 404, 409, 412, 422, 428)
async def edit_message(
    message_id: uuid.UUID,
    body: MessageEdit,
    caller: Caller,
    change: Change,
    settings: SettingsDep,
) -> Response:
    """Edit your message within the edit window (If-Match); it shows as edited"""
    message = await change.run(
        messages.edit_message,
        caller=caller,
        message_id=message_id,
        body=body.body,
        now=utcnow(),
        edit_window_seconds=settings.message_edit_window_seconds,
    )
    document = message_document(message)
    return document_response(document, version=document["version"])


@router.deletes("/messages/{message_id}", None, 403, 404, 409, 412)
async def delete_message(message_id: uuid.UUID, caller: Caller, change: Change) -> Response:
    """Delete your message: its text goes, a tombstone stays (If-Match optional)"""
    await change.run(messages.delete_message, caller=caller, message_id=message_id, now=utcnow())
    return Response(status_code=204)


@router.reads("/matches/{match_id}/messages/read-state", ReadState, 404)
async def get_read_state(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """How far you have read the conversation, and how many messages you have not"""
    access = member_only(await queries.visible_pair(db, caller=caller, match_id=match_id), "conversation")
    return document_response(await message_queries.read_state(db, access=access))


@router.posts("/matches/{match_id}/messages/read-state", ReadState, 404, 422)
async def mark_read(match_id: uuid.UUID, body: ReadMarker, caller: Caller, writer: Writer) -> Response:
    """Mark the conversation read up to a message number (the marker only moves forward)"""
    async with writer.transaction() as session:
        access = member_only(
            await queries.visible_pair(session, caller=caller, match_id=match_id), "conversation"
        )
        state = await message_queries.read_state(session, access=access)
        await messages.mark_read(
            session, access=access, up_to=body.up_to, messages_count=state["messages"], now=utcnow()
        )
        document = await message_queries.read_state(session, access=access)
    return document_response(document)


@router.reads(
    "/matches/{match_id}/messages/stream",
    None,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404)},
    response_class=Response,
)
async def stream_messages(
    match_id: uuid.UUID,
    request: Request,
    caller: Caller,
    runtime: RuntimeDep,
    hub: Hub,
    after: Annotated[int | None, Query(ge=0, description="Resume after this change (Last-Event-ID)")] = None,
) -> Response:
    # A short session of its own: a stream holds no database connection while it waits.
    """The conversation live (Server-Sent Events): every post, edit and delete as it commits

    Each event is named `message`, carries the message's current state, and has the conversation's change
    number as its id. A reconnecting client sends `Last-Event-ID` (or `?after=`) and gets every change
    after it; without either, the stream starts with the next change.
    """
    async with runtime.read_sessions() as db:
        access, row = await queries.visible_workspace(db, caller=caller, match_id=match_id)
    member_only(access, "conversation")
    resumes = after is not None or request.headers.get("last-event-id") is not None
    # Without a position to resume from, the stream starts with the conversation's next change.
    start = last_event_id(request, after) if resumes else int(row.message_changes)
    fetch = message_queries.live_changes(runtime.read_sessions, access.match_id, hub)
    return live_response(hub, topic=str(access.match_id), after=start, fetch=fetch, request=request)


@router.creates("/messages/{message_id}/reports", Report, 403, 404, 409, 422)
async def report_message(
    message_id: uuid.UUID,
    body: ReportCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Report the other member's message to the program's admins (who then see it and its context)"""

    async def create(session: AsyncSession) -> Created:
        report_id = await messages.report_message(
            session, caller=caller, message_id=message_id, body=body, now=utcnow()
        )
        await session.flush()
        return await message_queries.report(session, caller=caller, report_id=report_id), {}

    return await creation.run(caller=caller, create=create)
