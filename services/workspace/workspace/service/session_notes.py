"""Agendas and notes of a pair's sessions (the sessions scheduling booked, from its events).

Before a session either member adds agenda points: free text, or one of the pair's open goals or
action items. Shared notes are one document per session, edited with If-Match. Private notes are
one document per session and author, read and written by that author alone: no other query, no
event, no aggregate, no export and no admin view ever touches them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.scheduling import SessionStatus
from shared.errors import Problem, invalid_field, not_found
from workspace.access import PairAccess
from workspace.config import WorkspaceSettings
from workspace.models import ActionItem, AgendaItem, Goal, PrivateNote, Session, SessionNotes
from workspace.schemas import AgendaItemCreate
from workspace.service.goals import CLOSED_STATUSES
from workspace.service.workspaces import lock_for_change


async def _session_for_change(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID
) -> tuple[PairAccess, Session]:
    """A session of one of the caller's pairs, its workspace locked for the change."""
    row = await session.scalar(
        select(Session).where(Session.id == session_id, Session.organization == caller.organization)
    )
    if row is None:
        raise not_found("session")
    try:
        access = await lock_for_change(session, caller=caller, match_id=row.match_id)
    except Problem as exc:
        if exc.status == 404:
            raise not_found("session") from exc
        raise
    return access.writable(), row


async def add_agenda_item(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    body: AgendaItemCreate,
    now: datetime,
    settings: WorkspaceSettings,
) -> uuid.UUID:
    access, booked = await _session_for_change(session, caller=caller, session_id=session_id)
    me = access.member()
    if booked.status != SessionStatus.SCHEDULED.value:
        raise Problem(409, f"the session is {booked.status}: its agenda is closed", slug="agenda-closed")
    if body.goal_id is not None:
        goal = await session.scalar(
            select(Goal).where(Goal.id == body.goal_id, Goal.match_id == access.match_id)
        )
        if goal is None or not goal.adopted or goal.status in CLOSED_STATUSES:
            raise invalid_field("goal_id", "not an open goal of this pair", kind="not_open")
    if body.action_item_id is not None:
        item = await session.scalar(
            select(ActionItem).where(
                ActionItem.id == body.action_item_id, ActionItem.match_id == access.match_id
            )
        )
        if item is None or item.done:
            raise invalid_field("action_item_id", "not an open action item of this pair", kind="not_open")
    count = await session.scalar(select(func.count()).where(AgendaItem.session_id == session_id)) or 0
    if count >= settings.max_agenda_items_per_session:
        raise Problem(
            409, f"an agenda has at most {settings.max_agenda_items_per_session} points", slug="limit-reached"
        )
    item_id = uuid.uuid4()
    session.add(
        AgendaItem(
            id=item_id,
            organization=access.organization,
            session_id=session_id,
            match_id=access.match_id,
            author_id=me,
            body=body.body,
            goal_id=body.goal_id,
            action_item_id=body.action_item_id,
            created_at=now,
        )
    )
    await session.flush()
    return item_id


async def remove_agenda_item(session: AsyncSession, *, caller: Principal, item_id: uuid.UUID) -> None:
    """Either member takes a point off the agenda of a session still to come."""
    row = await session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.organization == caller.organization)
    )
    if row is None:
        raise not_found("agenda item")
    access, booked = await _session_for_change(session, caller=caller, session_id=row.session_id)
    access.member()
    if booked.status != SessionStatus.SCHEDULED.value:
        raise Problem(409, f"the session is {booked.status}: its agenda is closed", slug="agenda-closed")
    await session.execute(delete(AgendaItem).where(AgendaItem.id == item_id))


async def write_shared_notes(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    body: str,
    if_match: str | None,
    now: datetime,
) -> SessionNotes:
    """Either member replaces the session's shared notes (If-Match: their ETag, `"0"` at first)."""
    access, _ = await _session_for_change(session, caller=caller, session_id=session_id)
    me = access.member()
    notes = await session.get(SessionNotes, session_id, with_for_update=True)
    check_if_match(if_match, notes.version if notes is not None else 0)
    if notes is None:
        notes = SessionNotes(
            session_id=session_id, organization=access.organization, match_id=access.match_id, version=0
        )
        session.add(notes)
    notes.body = body
    notes.updated_by = me
    notes.updated_at = now
    notes.version += 1
    await session.flush()
    return notes


async def write_private_note(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    body: str,
    if_match: str | None,
    now: datetime,
) -> PrivateNote:
    """A member replaces their own private note of the session (If-Match: its ETag, `"0"` at first)."""
    access, _ = await _session_for_change(session, caller=caller, session_id=session_id)
    me = access.member()
    note = await session.get(PrivateNote, (session_id, me), with_for_update=True)
    check_if_match(if_match, note.version if note is not None else 0)
    if note is None:
        note = PrivateNote(
            session_id=session_id,
            author_id=me,
            organization=access.organization,
            match_id=access.match_id,
            version=0,
        )
        session.add(note)
    note.body = body
    note.updated_at = now
    note.version += 1
    await session.flush()
    return note
