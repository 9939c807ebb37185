"""Sessions of a pair: agenda points, shared notes, and each member's private note."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.dependencies import Caller, Change, Creation, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes
from workspace.dependencies import SettingsDep
from workspace.documents import agenda_item_document, private_note_document, shared_notes_document
from workspace.models import AgendaItem
from workspace.queries import sessions as session_queries
from workspace.schemas import AgendaItem as AgendaItemOut
from workspace.schemas import AgendaItemCreate, AgendaPage, NotesUpdate, PrivateNote, SharedNotes
from workspace.service import session_notes

router = Routes("sessions", "Agendas, shared notes and private notes of the pair's sessions")


@router.reads("/sessions/{session_id}/agenda", AgendaPage, 400, 404)
async def get_agenda(
    session_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """A session's agenda, in the order points were added"""
    return page_response(
        *await session_queries.agenda(db, caller=caller, session_id=session_id, limit=limit, cursor=cursor)
    )


@router.creates("/sessions/{session_id}/agenda", AgendaItemOut, 403, 404, 409, 422)
async def add_agenda_item(
    session_id: uuid.UUID,
    body: AgendaItemCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Add an agenda point before the session: text, an open goal or an open action item"""

    async def create(session: AsyncSession) -> Created:
        item_id = await session_notes.add_agenda_item(
            session, caller=caller, session_id=session_id, body=body, now=utcnow(), settings=settings
        )
        row = (await session.execute(session_queries.agenda_query().where(AgendaItem.id == item_id))).one()
        return agenda_item_document(row), {}

    return await creation.run(caller=caller, create=create)


@router.deletes("/agenda-items/{item_id}", None, 403, 404, 409)
async def remove_agenda_item(item_id: uuid.UUID, caller: Caller, writer: Writer) -> Response:
    """Take a point off the agenda of a session still to come (either member)"""
    async with writer.transaction() as session:
        await session_notes.remove_agenda_item(session, caller=caller, item_id=item_id)
    return Response(status_code=204)


@router.reads("/sessions/{session_id}/notes", SharedNotes, 404)
async def get_shared_notes(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """The session's shared notes (ETag "0" before anyone wrote)"""
    document = await session_queries.shared_notes(db, caller=caller, session_id=session_id)
    return document_response(document, version=document["version"])


@router.puts("/sessions/{session_id}/notes", SharedNotes, 403, 404, 409, 412, 422, 428)
async def write_shared_notes(
    session_id: uuid.UUID, body: NotesUpdate, caller: Caller, change: Change
) -> Response:
    """Replace the session's shared notes (either member, If-Match)"""
    notes = await change.run(
        session_notes.write_shared_notes, caller=caller, session_id=session_id, body=body.body, now=utcnow()
    )
    document = shared_notes_document(session_id, notes)
    return document_response(document, version=document["version"])


@router.reads("/sessions/{session_id}/private-note", PrivateNote, 404)
async def get_private_note(session_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """Your own private note of the session: nobody else ever reads it, admins included"""
    document = await session_queries.private_note(db, caller=caller, session_id=session_id)
    return document_response(
        document, version=document["version"], headers={"Cache-Control": "private, no-store"}
    )


@router.puts("/sessions/{session_id}/private-note", PrivateNote, 403, 404, 409, 412, 422, 428)
async def write_private_note(
    session_id: uuid.UUID, body: NotesUpdate, caller: Caller, change: Change
) -> Response:
    """Replace your private note of the session (If-Match)"""
    note = await change.run(
        session_notes.write_private_note, caller=caller, session_id=session_id, body=body.body, now=utcnow()
    )
    document = private_note_document(session_id, note)
    return document_response(
        document, version=document["version"], headers={"Cache-Control": "private, no-store"}
    )
