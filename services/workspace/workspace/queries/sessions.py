"""Reads of a pair's sessions: the sessions themselves (scheduling's, from its events), their
agendas, their shared notes, and a member's own private note (the only read of that table)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import Problem, not_found
from shared.pagination import keyset_page
from workspace.access import PairAccess, member_only
from workspace.documents import (
    Document,
    agenda_item_document,
    private_note_document,
    session_document,
    shared_notes_document,
)
from workspace.models import ActionItem, AgendaItem, Goal, PrivateNote, Session, SessionNotes
from workspace.queries import visible_pair

Page = tuple[list[Document], str | None]


async def list_sessions(
    db: AsyncSession, *, access: PairAccess, status: str | None, limit: int, cursor: str | None
) -> Page:
    query = select(Session.__table__).where(Session.match_id == access.match_id)
    if status is not None:
        query = query.where(Session.status == status)
    rows, next_cursor = await keyset_page(
        db, query, key=(Session.starts_at, Session.id), limit=limit, cursor=cursor
    )
    return [session_document(row) for row in rows], next_cursor


async def visible_session(
    db: AsyncSession, *, caller: Principal, session_id: uuid.UUID
) -> tuple[PairAccess, Any]:
    """A session of a pair the caller may see (404 otherwise)."""
    row = (
        await db.execute(
            select(Session.__table__).where(
                Session.id == session_id, Session.organization == caller.organization
            )
        )
    ).first()
    if row is None:
        raise not_found("session")
    try:
        access = await visible_pair(db, caller=caller, match_id=row.match_id)
    except Problem as exc:
        raise not_found("session") from exc
    return access, row


def agenda_query() -> Select[Any]:
    """Agenda points with the titles of the goals and action items they refer to."""
    return select(
        AgendaItem.__table__,
        select(Goal.title).where(Goal.id == AgendaItem.goal_id).scalar_subquery().label("goal_title"),
        select(ActionItem.title)
        .where(ActionItem.id == AgendaItem.action_item_id)
        .scalar_subquery()
        .label("action_item_title"),
    )


async def agenda(
    db: AsyncSession, *, caller: Principal, session_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    await visible_session(db, caller=caller, session_id=session_id)
    rows, next_cursor = await keyset_page(
        db,
        agenda_query().where(AgendaItem.session_id == session_id),
        key=(AgendaItem.created_at, AgendaItem.id),
        limit=limit,
        cursor=cursor,
    )
    return [agenda_item_document(row) for row in rows], next_cursor


async def shared_notes(db: AsyncSession, *, caller: Principal, session_id: uuid.UUID) -> Document:
    """The session's shared notes: the pair's, which the program's admins may read too."""
    await visible_session(db, caller=caller, session_id=session_id)
    row = (
        await db.execute(select(SessionNotes.__table__).where(SessionNotes.session_id == session_id))
    ).first()
    return shared_notes_document(session_id, row)


async def private_note(db: AsyncSession, *, caller: Principal, session_id: uuid.UUID) -> Document:
    """The caller's own private note of a session: only a member reads, and only their own."""
    access, _ = await visible_session(db, caller=caller, session_id=session_id)
    member_only(access, "private note")
    row = (
        await db.execute(
            select(PrivateNote.__table__).where(
                PrivateNote.session_id == session_id, PrivateNote.author_id == access.person_id
            )
        )
    ).first()
    return private_note_document(session_id, row)
