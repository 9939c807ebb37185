"""A pair's conversation: posting, editing within a short window, deleting (a tombstone stays),
read markers, reports to the program's admins, and retention.

Every change to a conversation takes the next change number of its workspace row under that row's
lock, and signals the pair's live streams in its transaction (`shared.live.signal`): the streams
wake only once it commits, and a stream resuming after change N misses nothing, because changes
commit in the order of their numbers. `message.posted` carries ids only, never the text.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, Uuid, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.workspace import MessagePosted, MessageReported
from shared.errors import Problem, not_found
from shared.live import signal
from shared.retention import cutoff
from workspace.access import PairAccess, member_only, pair_access
from workspace.models import (
    MESSAGE_READS,
    WORKSPACES,
    Message,
    MessageReport,
    OrganizationSettings,
    ReportStatus,
    Workspace,
    messaging,
)
from workspace.schemas import ReportCreate
from workspace.service import OUTBOX
from workspace.service.workspaces import lock_for_change

# The LISTEN/NOTIFY channel of the conversations' live streams (topic: the match id).
LIVE_CHANNEL = "workspace_live"


async def _next_change(
    session: AsyncSession, match_id: uuid.UUID, *, posted: datetime | None
) -> tuple[int, int]:
    """Take the conversation's next change number (and, for a post, its next message number)
    from its workspace row, which the caller holds locked."""
    values: dict[str, object] = {"message_changes": WORKSPACES.c.message_changes + 1}
    if posted is not None:
        values.update(messages_count=WORKSPACES.c.messages_count + 1, last_message_at=posted)
    row = (
        await session.execute(
            update(WORKSPACES)
            .where(WORKSPACES.c.match_id == match_id)
            .values(**values)
            .returning(WORKSPACES.c.message_changes, WORKSPACES.c.messages_count)
        )
    ).one()
    return row.message_changes, row.messages_count


async def _mark_read(
    session: AsyncSession, *, access: PairAccess, person_id: uuid.UUID, up_to: int, now: datetime
) -> None:
    table = MESSAGE_READS
    statement = insert(table).values(
        match_id=access.match_id,
        person_id=person_id,
        organization=access.organization,
        last_read_number=up_to,
        updated_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["match_id", "person_id"],
            set_={
                "last_read_number": func.greatest(
                    table.c.last_read_number, statement.excluded.last_read_number
                ),
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


async def post_message(
    session: AsyncSession, *, caller: Principal, match_id: uuid.UUID, body: str, now: datetime
) -> Any:
    """A member posts a message to the other; it reaches the other's open streams on commit.

    The hot path of the conversation, in three statements: the workspace row is locked and its
    counters taken only if the caller is a member of this open workspace; the message, the
    sender's read marker and the streams' signal go in one statement; then the outbox event.
    """
    me = caller.person_id
    taken = (
        await (await session.connection()).execute(
            _TAKE_NUMBERS,
            {"b_match_id": match_id, "b_organization": caller.organization, "b_me": me, "b_now": now},
        )
    ).first()
    if taken is None:
        # Why not: not the caller's conversation (404, admins included), or a closed workspace (409).
        row = (
            await session.execute(
                select(WORKSPACES).where(
                    WORKSPACES.c.match_id == match_id, WORKSPACES.c.organization == caller.organization
                )
            )
        ).first()
        member_only(pair_access(caller, row), "conversation").writable()
        raise AssertionError("unreachable: a member of an open workspace takes its counters")
    recipient = taken.mentee_id if me == taken.mentor_id else taken.mentor_id
    message = (
        await (await session.connection()).execute(
            _POST,
            {
                "id": uuid.uuid4(),
                "organization": caller.organization,
                "match_id": match_id,
                "number": taken.messages_count,
                "change_seq": taken.message_changes,
                "sender_id": me,
                "recipient_id": recipient,
                "body": body,
                "created_at": now,
                "channel": LIVE_CHANNEL,
                "topic": str(match_id),
            },
        )
    ).one()
    event = MessagePosted(
        message_id=message.id,
        match_id=match_id,
        program_id=taken.program_id,
        sender_id=me,
        recipient_id=recipient,
    )
    await OUTBOX.add(session, event, organization=caller.organization, subject=str(message.id))
    return message


# The workspace row locked and its next numbers taken, only for a member of an open workspace.
_TAKE_NUMBERS = (
    update(WORKSPACES)
    .where(
        WORKSPACES.c.match_id == bindparam("b_match_id", type_=Uuid),
        WORKSPACES.c.organization == bindparam("b_organization", type_=String),
        WORKSPACES.c.status == "open",
        (WORKSPACES.c.mentor_id == bindparam("b_me", type_=Uuid))
        | (WORKSPACES.c.mentee_id == bindparam("b_me", type_=Uuid)),
    )
    .values(
        message_changes=WORKSPACES.c.message_changes + 1,
        messages_count=WORKSPACES.c.messages_count + 1,
        last_message_at=bindparam("b_now", type_=DateTime(timezone=True)),
    )
    .returning(
        WORKSPACES.c.program_id,
        WORKSPACES.c.mentor_id,
        WORKSPACES.c.mentee_id,
        WORKSPACES.c.message_changes,
        WORKSPACES.c.messages_count,
    )
)

# The message, the sender's read marker (what one writes, one has read) and the signal to the
# pair's live streams (delivered on commit), in one statement.
_POST = text(
    """
    WITH posted AS (
        INSERT INTO workspace.messages (
            id, organization, match_id, number, change_seq, sender_id, recipient_id, body, created_at, version
        ) VALUES (
            :id, :organization, :match_id, :number, :change_seq, :sender_id, :recipient_id, :body,
            :created_at, 1
        )
        RETURNING *
    ), marker AS (
        INSERT INTO workspace.message_reads AS r
            (match_id, person_id, organization, last_read_number, updated_at)
        VALUES (:match_id, :sender_id, :organization, :number, :created_at)
        ON CONFLICT (match_id, person_id) DO UPDATE
        SET last_read_number = greatest(r.last_read_number, excluded.last_read_number),
            updated_at = excluded.updated_at
    )
    SELECT posted.*, pg_notify(:channel, :topic) AS signalled FROM posted
    """
)


async def _own_message(
    session: AsyncSession, *, caller: Principal, message_id: uuid.UUID
) -> tuple[PairAccess, Message]:
    """A message of the caller's conversation, its workspace locked for a change; only its sender
    changes it (403), and only the pair sees it (404 for admins and everyone else)."""
    match_id = await session.scalar(
        select(Message.match_id).where(Message.id == message_id, Message.organization == caller.organization)
    )
    if match_id is None:
        raise not_found("message")
    access = await lock_for_change(session, caller=caller, match_id=match_id)
    if not access.is_member:
        raise not_found("message")
    access.writable()
    message = await session.get(Message, message_id, populate_existing=True)
    if message is None:  # deleted by retention meanwhile
        raise not_found("message")
    if message.sender_id != access.person_id:
        raise Problem(403, "only its sender can change a message")
    return access, message


async def edit_message(
    session: AsyncSession,
    *,
    caller: Principal,
    message_id: uuid.UUID,
    body: str,
    if_match: str | None,
    now: datetime,
    edit_window_seconds: float,
) -> Message:
    """The sender edits a message within the edit window (If-Match: its ETag); it shows as edited."""
    access, message = await _own_message(session, caller=caller, message_id=message_id)
    if message.deleted_at is not None:
        raise Problem(409, "this message was deleted", slug="message-deleted")
    if now - message.created_at > timedelta(seconds=edit_window_seconds):
        raise Problem(
            409,
            f"messages can be edited for {round(edit_window_seconds / 60)} minutes after they are posted",
            slug="edit-window-passed",
        )
    check_if_match(if_match, message.version)
    change, _ = await _next_change(session, access.match_id, posted=None)
    message.body = body
    message.edited_at = now
    message.change_seq = change
    message.version += 1
    await session.flush()
    await signal(session, LIVE_CHANNEL, str(access.match_id))
    return message


async def delete_message(
    session: AsyncSession, *, caller: Principal, message_id: uuid.UUID, if_match: str | None, now: datetime
) -> Message:
    """The sender deletes a message: its text goes, a tombstone stays (deleting it again is a no-op)."""
    access, message = await _own_message(session, caller=caller, message_id=message_id)
    if message.deleted_at is not None:
        return message
    if if_match is not None:
        check_if_match(if_match, message.version)
    change, _ = await _next_change(session, access.match_id, posted=None)
    message.body = None
    message.deleted_at = now
    message.change_seq = change
    message.version += 1
    await session.flush()
    await signal(session, LIVE_CHANNEL, str(access.match_id))
    return message


async def mark_read(
    session: AsyncSession, *, access: PairAccess, up_to: int, messages_count: int, now: datetime
) -> None:
    """Move the member's read marker forward (never back; capped at the last message)."""
    await _mark_read(
        session, access=access, person_id=access.member(), up_to=min(up_to, messages_count), now=now
    )


async def report_message(
    session: AsyncSession, *, caller: Principal, message_id: uuid.UUID, body: ReportCreate, now: datetime
) -> uuid.UUID:
    """A member reports the other's message to the program's admins (also in a closed workspace:
    safety does not end with the mentorship). Its text is kept with the report as evidence."""
    message = await session.scalar(
        select(Message).where(Message.id == message_id, Message.organization == caller.organization)
    )
    if message is None:
        raise not_found("message")
    access = pair_access(caller, await session.get(Workspace, message.match_id))
    if not access.is_member:
        raise not_found("message")
    me = access.member()
    if message.sender_id == me:
        raise Problem(409, "you cannot report your own message", slug="own-message")
    if message.deleted_at is not None:
        raise Problem(409, "this message was deleted", slug="message-deleted")
    report_id = uuid.uuid4()
    session.add(
        MessageReport(
            id=report_id,
            organization=access.organization,
            match_id=access.match_id,
            program_id=access.program_id,
            message_id=message.id,
            message_number=message.number,
            reported_body=message.body,
            message_created_at=message.created_at,
            reporter_id=me,
            reason=body.reason.value,
            note=body.note,
            status=ReportStatus.OPEN.value,
            created_at=now,
            version=1,
        )
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "you already reported this message", slug="already-reported") from exc
    event = MessageReported(
        report_id=report_id, message_id=message.id, match_id=access.match_id, program_id=access.program_id
    )
    await OUTBOX.add(session, event, organization=access.organization, subject=str(report_id))
    return report_id


async def resolve_report(
    session: AsyncSession,
    *,
    caller: Principal,
    report_id: uuid.UUID,
    resolution: str | None,
    if_match: str | None,
    now: datetime,
) -> uuid.UUID:
    """An admin resolves a report (If-Match: its ETag)."""
    report = await session.scalar(
        select(MessageReport)
        .where(MessageReport.id == report_id, MessageReport.organization == caller.organization)
        .with_for_update()
    )
    if report is None:
        raise not_found("report")
    check_if_match(if_match, report.version)
    if report.status == ReportStatus.RESOLVED.value:
        raise Problem(409, "this report is already resolved", slug="already-resolved")
    report.status = ReportStatus.RESOLVED.value
    report.resolution = resolution
    report.resolved_by = caller.person_id
    report.resolved_at = now
    report.version += 1
    await session.flush()
    return report.id


async def delete_expired_messages(
    session: AsyncSession, *, now: datetime, default_days: int, limit: int
) -> int:
    """Delete up to `limit` messages (tombstones too) older than their organization keeps them, and
    the text kept with reports that old; how many messages went.

    The organization's retention policy (`messages_days`, shared/retention.py) decides; an
    organization without one keeps its workspace setting (`message_retention_days`), else
    `default_days`."""
    expired = (
        select(Message.id)
        .where(Message.created_at < _message_cutoff(Message.organization, now=now, default_days=default_days))
        .order_by(Message.created_at)
        .limit(limit)
        .with_for_update(of=Message, skip_locked=True)
    )
    deleted = await session.execute(delete(Message).where(Message.id.in_(expired)).returning(Message.id))
    count = len(deleted.all())
    await session.execute(
        update(MessageReport)
        .where(
            MessageReport.reported_body.is_not(None),
            MessageReport.message_created_at
            < _message_cutoff(MessageReport.organization, now=now, default_days=default_days),
        )
        .values(reported_body=None)
        .execution_options(synchronize_session=False)
    )
    return count


def _message_cutoff(organization: Any, *, now: datetime, default_days: int) -> Any:
    """SQL: the moment before which the row's organization no longer keeps messages."""
    own_setting = (
        select(OrganizationSettings.message_retention_days)
        .where(OrganizationSettings.organization == organization)
        .scalar_subquery()
    )
    return cutoff(
        messaging.retention,
        organization,
        "messages_days",
        fallback=func.coalesce(own_setting, default_days),
        now=bindparam("now", now, type_=DateTime(timezone=True)),
    )
