"""The pair's conversation: read it, post, edit within the window, delete, mark read, stream it
live, and report a message to the program's admins. Only the pair reads it (404 for anyone else,
admins included)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.live import last_event_id, live_response
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from workspace import queries
from workspace.access import member_only
from workspace.dependencies import Caller, Hub, Reader, RuntimeDep, SettingsDep, Writer
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

router = APIRouter(prefix="/v1", tags=["messages"])


@router.get(
    "/matches/{match_id}/messages",
    response_model=MessagePage,
    summary="The conversation, newest first (deleted messages as tombstones); the pair only",
    responses=problems(400, 404),
)
async def list_messages(
    match_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    access = member_only(await queries.visible_pair(db, caller=caller, match_id=match_id), "conversation")
    return page_response(*await message_queries.messages_page(db, access=access, limit=limit, cursor=cursor))


@router.post(
    "/matches/{match_id}/messages",
    status_code=201,
    response_model=Message,
    summary="Post a message to the other member (text; links are not rendered)",
    responses=problems(403, 404, 409, 422),
)
async def post_message(
    match_id: uuid.UUID,
    body: MessageCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        access = await queries.visible_pair(session, caller=caller, match_id=match_id)
        member_only(access, "conversation")
        message = await messages.post_message(
            session, caller=caller, match_id=match_id, body=body.body, now=utcnow()
        )
        return message_document(message), {"ETag": f'"{message.version}"'}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.patch(
    "/messages/{message_id}",
    response_model=Message,
    summary="Edit your message within the edit window (If-Match); it shows as edited",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def edit_message(
    message_id: uuid.UUID,
    body: MessageEdit,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        message = await messages.edit_message(
            session,
            caller=caller,
            message_id=message_id,
            body=body.body,
            if_match=if_match,
            now=utcnow(),
            edit_window_seconds=settings.message_edit_window_seconds,
        )
        document = message_document(message)
    return document_response(document, version=document["version"])


@router.delete(
    "/messages/{message_id}",
    status_code=204,
    summary="Delete your message: its text goes, a tombstone stays (If-Match optional)",
    responses=problems(403, 404, 409, 412),
)
async def delete_message(
    message_id: uuid.UUID, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        await messages.delete_message(
            session, caller=caller, message_id=message_id, if_match=if_match, now=utcnow()
        )
    return Response(status_code=204)


@router.get(
    "/matches/{match_id}/messages/read-state",
    response_model=ReadState,
    summary="How far you have read the conversation, and how many messages you have not",
    responses=problems(404),
)
async def get_read_state(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    access = member_only(await queries.visible_pair(db, caller=caller, match_id=match_id), "conversation")
    return document_response(await message_queries.read_state(db, access=access))


@router.post(
    "/matches/{match_id}/messages/read-state",
    response_model=ReadState,
    summary="Mark the conversation read up to a message number (the marker only moves forward)",
    responses=problems(404, 422),
)
async def mark_read(match_id: uuid.UUID, body: ReadMarker, caller: Caller, writer: Writer) -> Response:
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


@router.get(
    "/matches/{match_id}/messages/stream",
    summary="The conversation live (Server-Sent Events): every post, edit and delete as it commits",
    description=(
        "Each event is named `message`, carries the message's current state, and has the conversation's "
        "change number as its id. A reconnecting client sends `Last-Event-ID` (or `?after=`) and gets every "
        "change after it; without either, the stream starts with the next change."
    ),
    response_class=Response,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404)},
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
    async with runtime.read_sessions() as db:
        access, row = await queries.visible_workspace(db, caller=caller, match_id=match_id)
    member_only(access, "conversation")
    resumes = after is not None or request.headers.get("last-event-id") is not None
    # Without a position to resume from, the stream starts with the conversation's next change.
    start = last_event_id(request, after) if resumes else int(row.message_changes)
    fetch = message_queries.live_changes(runtime.read_sessions, access.match_id, hub)
    return live_response(hub, topic=str(access.match_id), after=start, fetch=fetch, request=request)


@router.post(
    "/messages/{message_id}/reports",
    status_code=201,
    response_model=Report,
    summary="Report the other member's message to the program's admins (who then see it and its context)",
    responses=problems(403, 404, 409, 422),
)
async def report_message(
    message_id: uuid.UUID,
    body: ReportCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        report_id = await messages.report_message(
            session, caller=caller, message_id=message_id, body=body, now=utcnow()
        )
        await session.flush()
        return await message_queries.report(session, caller=caller, report_id=report_id), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)
