"""Sessions of a pair: agenda points, shared notes, and each member's private note."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IdempotencyKey, IfMatch
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems
from workspace.dependencies import Caller, Reader, SettingsDep, Writer
from workspace.documents import agenda_item_document, private_note_document, shared_notes_document
from workspace.models import AgendaItem
from workspace.queries import sessions as session_queries
from workspace.schemas import AgendaItem as AgendaItemOut
from workspace.schemas import AgendaItemCreate, AgendaPage, NotesUpdate, PrivateNote, SharedNotes
from workspace.service import session_notes

router = APIRouter(prefix="/v1", tags=["sessions"])


@router.get(
    "/sessions/{session_id}/agenda",
    response_model=AgendaPage,
    summary="A session's agenda, in the order points were added",
    responses=problems(400, 404),
)
async def get_agenda(
    session_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    return page_response(
        *await session_queries.agenda(db, caller=caller, session_id=session_id, limit=limit, cursor=cursor)
    )


@router.post(
    "/sessions/{session_id}/agenda",
    status_code=201,
    response_model=AgendaItemOut,
    summary="Add an agenda point before the session: text, an open goal or an open action item",
    responses=problems(403, 404, 409, 422),
)
async def add_agenda_item(
    session_id: uuid.UUID,
    body: AgendaItemCreate,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        item_id = await session_notes.add_agenda_item(
            session, caller=caller, session_id=session_id, body=body, now=utcnow(), settings=settings
        )
        row = (await session.execute(session_queries.agenda_query().where(AgendaItem.id == item_id))).one()
        return agenda_item_document(row), {}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.delete(
    "/agenda-items/{item_id}",
    status_code=204,
    summary="Take a point off the agenda of a session still to come (either member)",
    responses=problems(403, 404, 409),
)
async def remove_agenda_item(item_id: uuid.UUID, caller: Caller, writer: Writer) -> Response:
    async with writer.transaction() as session:
        await session_notes.remove_agenda_item(session, caller=caller, item_id=item_id)
    return Response(status_code=204)


@router.get(
    "/sessions/{session_id}/notes",
    response_model=SharedNotes,
    summary='The session\'s shared notes (ETag "0" before anyone wrote)',
    responses=problems(404),
)
async def get_shared_notes(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await session_queries.shared_notes(db, caller=caller, session_id=session_id)
    return document_response(document, version=document["version"])


@router.put(
    "/sessions/{session_id}/notes",
    response_model=SharedNotes,
    summary="Replace the session's shared notes (either member, If-Match)",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def write_shared_notes(
    session_id: uuid.UUID, body: NotesUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        notes = await session_notes.write_shared_notes(
            session, caller=caller, session_id=session_id, body=body.body, if_match=if_match, now=utcnow()
        )
        document = shared_notes_document(session_id, notes)
    return document_response(document, version=document["version"])


@router.get(
    "/sessions/{session_id}/private-note",
    response_model=PrivateNote,
    summary="Your own private note of the session: nobody else ever reads it, admins included",
    responses=problems(404),
)
async def get_private_note(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await session_queries.private_note(db, caller=caller, session_id=session_id)
    return document_response(
        document, version=document["version"], headers={"Cache-Control": "private, no-store"}
    )


@router.put(
    "/sessions/{session_id}/private-note",
    response_model=PrivateNote,
    summary="Replace your private note of the session (If-Match)",
    responses=problems(403, 404, 409, 412, 422, 428),
)
async def write_private_note(
    session_id: uuid.UUID, body: NotesUpdate, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        note = await session_notes.write_private_note(
            session, caller=caller, session_id=session_id, body=body.body, if_match=if_match, now=utcnow()
        )
        document = private_note_document(session_id, note)
    return document_response(
        document, version=document["version"], headers={"Cache-Control": "private, no-store"}
    )
