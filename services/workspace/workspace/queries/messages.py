"""Reads of a pair's conversation (only the pair reads it), its live stream's changes, read state,
and reports: admins see a reported message and a few messages around it, nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Uuid, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import Principal
from shared.errors import not_found
from shared.live import LiveHub, LiveItem
from shared.pagination import Keyset, keyset_page
from workspace.access import PairAccess
from workspace.documents import Document, message_document, report_document
from workspace.models import Message, MessageRead, MessageReport, ReportStatus, Workspace

Page = tuple[list[Document], str | None]
# A live stream reads a conversation's changes this many at a time, and at most LIVE_BATCHES
# batches per wake-up (a reconnection further behind gets the rest at its next wake-up).
LIVE_BATCH = 500
LIVE_BATCHES = 20


async def messages_page(db: AsyncSession, *, access: PairAccess, limit: int, cursor: str | None) -> Page:
    """The conversation, newest first (tombstones included, without their text)."""
    rows, next_cursor = await keyset_page(
        db,
        select(Message.__table__).where(Message.match_id == access.match_id),
        key=Keyset((Message.number,), descending=True),
        limit=limit,
        cursor=cursor,
    )
    return [message_document(row) for row in rows], next_cursor


async def read_state(db: AsyncSession, *, access: PairAccess) -> Document:
    """How far the member has read, and how many of the other's messages they have not."""
    last_read = await db.scalar(
        select(MessageRead.last_read_number).where(
            MessageRead.match_id == access.match_id, MessageRead.person_id == access.person_id
        )
    )
    total = await db.scalar(select(Workspace.messages_count).where(Workspace.match_id == access.match_id))
    return {
        "match_id": access.match_id,
        "last_read_number": last_read or 0,
        "unread": await unread_count(
            db, match_id=access.match_id, person_id=access.person_id, after=last_read or 0
        ),
        "messages": total or 0,
    }


async def unread_count(
    db: AsyncSession, *, match_id: uuid.UUID, person_id: uuid.UUID | None, after: int
) -> int:
    count = await db.scalar(
        select(func.count()).where(
            Message.match_id == match_id,
            Message.number > after,
            Message.sender_id != person_id,
            Message.deleted_at.is_(None),
        )
    )
    return int(count or 0)


async def unread_counts(
    db: AsyncSession, *, person_id: uuid.UUID, match_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Unread messages of one person in several conversations (one query)."""
    if not match_ids:
        return {}
    marker = (
        select(MessageRead.last_read_number)
        .where(MessageRead.match_id == Message.match_id, MessageRead.person_id == person_id)
        .scalar_subquery()
    )
    rows = (
        await db.execute(
            select(Message.match_id, func.count())
            .where(
                Message.match_id.in_(match_ids),
                Message.number > func.coalesce(marker, 0),
                Message.sender_id != person_id,
                Message.deleted_at.is_(None),
            )
            .group_by(Message.match_id)
        )
    ).all()
    counts = {match_id: 0 for match_id in match_ids}
    counts.update({row[0]: int(row[1]) for row in rows})
    return counts


# A conversation's changes after a change number (the live stream's read), built once.
_CHANGES = (
    select(Message.__table__)
    .where(
        Message.match_id == bindparam("match_id", type_=Uuid),
        Message.change_seq > bindparam("after", type_=Integer),
    )
    .order_by(Message.change_seq)
    .limit(LIVE_BATCH)
)


def live_changes(sessions: async_sessionmaker[AsyncSession], match_id: uuid.UUID, hub: LiveHub) -> Any:
    """The live stream's fetch: the conversation's changes after a change number, in order. It
    reads the database only when the conversation was signalled since its last read (or at first):
    a stream that wakes for its keepalive costs no query, whatever the number of open streams."""
    topic = str(match_id)
    seen: tuple[int, int] | None = None

    async def fetch(after: int) -> Sequence[LiveItem]:
        nonlocal seen
        current = hub.generation(topic)
        if current == seen:
            return []
        seen = current
        items: list[LiveItem] = []
        async with sessions() as db:
            connection = await db.connection()
            for _ in range(LIVE_BATCHES):
                rows = (await connection.execute(_CHANGES, {"match_id": match_id, "after": after})).all()
                items += [
                    LiveItem(seq=row.change_seq, event="message", data=message_document(row)) for row in rows
                ]
                if len(rows) < LIVE_BATCH:
                    break
                after = rows[-1].change_seq
        return items

    return fetch


async def reports_page(
    db: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID | None,
    status: ReportStatus | None,
    limit: int,
    cursor: str | None,
) -> Page:
    query = select(MessageReport.__table__).where(MessageReport.organization == caller.organization)
    if program_id is not None:
        query = query.where(MessageReport.program_id == program_id)
    if status is not None:
        query = query.where(MessageReport.status == status.value)
    rows, next_cursor = await keyset_page(
        db, query, key=(MessageReport.created_at, MessageReport.id), limit=limit, cursor=cursor
    )
    return [report_document(row) for row in rows], next_cursor


async def reported_message(
    db: AsyncSession, *, caller: Principal, report_id: uuid.UUID, context: int
) -> Document:
    """A report as admins see it: the report, the message's text as reported, and `context`
    messages before and after it as they are now (deleted ones as tombstones)."""
    report = (
        await db.execute(
            select(MessageReport.__table__).where(
                MessageReport.id == report_id, MessageReport.organization == caller.organization
            )
        )
    ).first()
    if report is None:
        raise not_found("report")
    around = (
        await db.execute(
            select(Message.__table__)
            .where(
                Message.match_id == report.match_id,
                Message.number.between(report.message_number - context, report.message_number + context),
            )
            .order_by(Message.number)
        )
    ).all()
    return {
        "report": report_document(report),
        "reported_body": report.reported_body,
        "context": [message_document(row) for row in around],
    }


async def report(db: AsyncSession, *, caller: Principal, report_id: uuid.UUID) -> Document:
    row = (
        await db.execute(
            select(MessageReport.__table__).where(
                MessageReport.id == report_id, MessageReport.organization == caller.organization
            )
        )
    ).first()
    if row is None:
        raise not_found("report")
    return report_document(row)
