"""Reads of whole workspaces: one workspace with its summary, the caller's (or a program's) list,
and the export of everything the pair planned.

(The dashboard has a module of its own: `queries.dashboard`.) Nothing here reads private notes;
the conversation is read only for members.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.pagination import keyset_page
from workspace.access import PairAccess
from workspace.documents import (
    Document,
    action_item_document,
    agenda_item_document,
    agreement_document,
    message_document,
    session_document,
    workspace_document,
)
from workspace.models import (
    ActionItem,
    ActionItemComment,
    AgendaItem,
    Agreement,
    Goal,
    GoalComment,
    GoalProgress,
    Message,
    Person,
    Program,
    Session,
    SessionNotes,
    Workspace,
)
from workspace.queries import program_rules, visible_workspace
from workspace.queries.goals import with_milestones
from workspace.queries.messages import unread_counts
from workspace.queries.sessions import agenda_query

Page = tuple[list[Document], str | None]
WORKSPACES = Workspace.__table__


async def _people(db: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await db.execute(select(Person.__table__).where(Person.id.in_(wanted)))).all()
    return {row.id: row for row in rows}


async def _programs(db: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await db.execute(select(Program.__table__).where(Program.id.in_(wanted)))).all()
    return {row.id: row for row in rows}


async def _documents(
    db: AsyncSession, rows: list[Any], *, caller: Principal, now: datetime
) -> list[Document]:
    people = await _people(db, [person for row in rows for person in (row.mentor_id, row.mentee_id)])
    programs = await _programs(db, [row.program_id for row in rows])
    me = caller.person_id
    mine = [row.match_id for row in rows if me is not None and me in (row.mentor_id, row.mentee_id)]
    unread = await unread_counts(db, person_id=me, match_ids=mine) if me is not None else {}
    return [
        workspace_document(
            row, people=people, program=programs.get(row.program_id), now=now, unread=unread.get(row.match_id)
        )
        for row in rows
    ]


async def workspace(db: AsyncSession, *, caller: Principal, match_id: uuid.UUID, now: datetime) -> Document:
    _, row = await visible_workspace(db, caller=caller, match_id=match_id)
    (document,) = await _documents(db, [row], caller=caller, now=now)
    return document


async def list_workspaces(
    db: AsyncSession,
    *,
    caller: Principal,
    now: datetime,
    program_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The caller's workspaces; an admin's are the organization's (optionally one program's)."""
    query = select(WORKSPACES).where(WORKSPACES.c.organization == caller.organization)
    if not caller.is_admin:
        me = caller.person_id or uuid.UUID(int=0)
        query = query.where((WORKSPACES.c.mentor_id == me) | (WORKSPACES.c.mentee_id == me))
    if program_id is not None:
        query = query.where(WORKSPACES.c.program_id == program_id)
    if status is not None:
        query = query.where(WORKSPACES.c.status == status)
    rows, next_cursor = await keyset_page(db, query, key=(WORKSPACES.c.match_id,), limit=limit, cursor=cursor)
    return await _documents(db, rows, caller=caller, now=now), next_cursor


async def _agreement(db: AsyncSession, access: PairAccess) -> Document:
    row = (await db.execute(select(Agreement.__table__).where(Agreement.match_id == access.match_id))).first()
    return agreement_document(
        match_id=access.match_id,
        program_id=access.program_id,
        mentor_id=access.mentor_id,
        mentee_id=access.mentee_id,
        row=row,
        rules=await program_rules(db, program_id=access.program_id),
    )


async def agreement(db: AsyncSession, *, caller: Principal, match_id: uuid.UUID) -> Document:
    access, _ = await visible_workspace(db, caller=caller, match_id=match_id)
    return await _agreement(db, access)


async def export(db: AsyncSession, *, caller: Principal, match_id: uuid.UUID, now: datetime) -> Document:
    """Everything the pair planned together: agreement, goals with milestones, progress history and
    comments, action items with comments, sessions with agendas and shared notes; the messages for
    the pair only. No one's private notes, ever."""
    access, row = await visible_workspace(db, caller=caller, match_id=match_id)
    (workspace_doc,) = await _documents(db, [row], caller=caller, now=now)
    goals = (
        await db.execute(
            select(Goal.__table__).where(Goal.match_id == match_id).order_by(Goal.created_at, Goal.id)
        )
    ).all()
    goal_docs = await with_milestones(db, goals, today=now.date())
    history = (
        await db.execute(
            select(GoalProgress.__table__)
            .where(GoalProgress.match_id == match_id)
            .order_by(GoalProgress.recorded_at, GoalProgress.id)
        )
    ).all()
    goal_comments = (
        await db.execute(
            select(GoalComment.__table__)
            .where(GoalComment.match_id == match_id)
            .order_by(GoalComment.created_at, GoalComment.id)
        )
    ).all()
    for document in goal_docs:
        document["progress"] = [
            {
                "status": entry.status,
                "previous_status": entry.previous_status,
                "percent": entry.percent,
                "note": entry.note,
                "author_id": entry.author_id,
                "recorded_at": entry.recorded_at,
            }
            for entry in history
            if entry.goal_id == document["id"]
        ]
        document["comments"] = [
            {"author_id": c.author_id, "body": c.body, "created_at": c.created_at}
            for c in goal_comments
            if c.goal_id == document["id"]
        ]
    items = (
        await db.execute(
            select(ActionItem.__table__)
            .where(ActionItem.match_id == match_id)
            .order_by(ActionItem.created_at, ActionItem.id)
        )
    ).all()
    item_comments = (
        await db.execute(
            select(ActionItemComment.__table__)
            .where(ActionItemComment.match_id == match_id)
            .order_by(ActionItemComment.created_at, ActionItemComment.id)
        )
    ).all()
    item_docs = []
    for item in items:
        document = action_item_document(item, now=now)
        document["comments"] = [
            {"author_id": c.author_id, "body": c.body, "created_at": c.created_at}
            for c in item_comments
            if c.action_item_id == item.id
        ]
        item_docs.append(document)
    sessions = (
        await db.execute(
            select(Session.__table__)
            .where(Session.match_id == match_id)
            .order_by(Session.starts_at, Session.id)
        )
    ).all()
    points = (
        await db.execute(
            agenda_query()
            .where(AgendaItem.match_id == match_id)
            .order_by(AgendaItem.created_at, AgendaItem.id)
        )
    ).all()
    notes = {
        note.session_id: note
        for note in (
            await db.execute(select(SessionNotes.__table__).where(SessionNotes.match_id == match_id))
        ).all()
    }
    session_docs = []
    for booked in sessions:
        document = session_document(booked)
        document["agenda"] = [agenda_item_document(p) for p in points if p.session_id == booked.id]
        document["shared_notes"] = notes[booked.id].body if booked.id in notes else None
        session_docs.append(document)
    messages = None
    if access.is_member:
        messages = [
            message_document(message)
            for message in (
                await db.execute(
                    select(Message.__table__).where(Message.match_id == match_id).order_by(Message.number)
                )
            ).all()
        ]
    return {
        "exported_at": now,
        "workspace": workspace_doc,
        "agreement": await _agreement(db, access),
        "goals": goal_docs,
        "action_items": item_docs,
        "sessions": session_docs,
        "messages": messages,
    }
