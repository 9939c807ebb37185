"""A booked session's life: moved, canceled, completed, or a no-show. Every change raises the
session's version and sequence, frees or moves its blocked time and reminders, and publishes the
session's full state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling import access, queries
from scheduling.documents import session_state
from scheduling.models import Session
from scheduling.queries import MatchContext
from scheduling.schemas import SessionMove, SessionNoShowReport
from scheduling.service.blocked_time import follow_session
from scheduling.service.bookings import check_due, check_slot, field_problem
from scheduling.service.matches import require_open, require_scheduler, session_minutes
from scheduling.service.people import require_active_caller
from scheduling.service.proposals import propose_next_session
from scheduling.service.publishing import mark_changed, publish
from scheduling.service.reminders import drop_pending_reminders, store_reminders
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.constraints import flush_or_conflict
from shared.contracts.scheduling import (
    SessionCanceled,
    SessionCompleted,
    SessionFormat,
    SessionNoShow,
    SessionRescheduled,
    SessionStatus,
)
from shared.errors import Problem, not_found

Changed = tuple[Session, MatchContext]


async def _editable(
    session: AsyncSession, *, caller: Principal, session_id: uuid.UUID, if_match: str | None
) -> Changed:
    """The session locked for a change, after the visibility, permission and ETag checks."""
    row = await queries.locked_session(session, organization=caller.organization, session_id=session_id)
    if row is None or not access.may_view(caller, row):
        raise not_found("session")
    context = await queries.match_context(
        session, organization=caller.organization, match_id=row.match_id, lock=True
    )
    assert context is not None  # sessions are only ever booked on known matches
    require_scheduler(caller, context)
    await require_active_caller(session, caller)
    check_if_match(if_match, row.version)
    if row.status != SessionStatus.SCHEDULED:
        raise Problem(409, f"the session is {row.status}, no longer scheduled", slug="session-not-scheduled")
    return row, context


def _require_started(row: Session, now: datetime) -> None:
    if row.format != SessionFormat.ASYNC and row.starts_at > now:
        raise Problem(409, "the session has not started yet", slug="session-not-started")


async def _settle(session: AsyncSession, row: Session, now: datetime) -> None:
    """The session left `scheduled`: its time is freed (or kept as held) and its reminders dropped."""
    mark_changed(row, now)
    await flush_or_conflict(session)
    await follow_session(session, row)
    await drop_pending_reminders(session, row)


async def reschedule_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    move: SessionMove,
    if_match: str | None,
    now: datetime,
) -> Changed:
    """Move a session to another slot (or due time): same identity, higher sequence, new reminders."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    require_open(context)
    previous_start = row.starts_at
    if row.format == SessionFormat.ASYNC:
        if move.due is None:
            raise field_problem("due", "an async check-in moves by its due time", "due-required")
        due = move.due.astimezone(UTC)
        if due == row.ends_at:
            return row, context
        check_due(context, due=due, now=now)
        row.ends_at = due
    else:
        if move.start is None:
            raise field_problem("start", "a session moves by its start", "start-required")
        start = move.start.astimezone(UTC)
        if start == row.starts_at:
            return row, context
        await check_slot(session, context=context, start=start, now=now, except_session=row.id)
        row.starts_at = start
        row.ends_at = start + timedelta(minutes=session_minutes(context))
    mark_changed(row, now)
    await flush_or_conflict(session)
    await follow_session(session, row, buffer=context.policy.buffer)
    await drop_pending_reminders(session, row)
    await store_reminders(session, row, minutes_before=context.policy.reminder_minutes_before, now=now)
    await publish(session, SessionRescheduled(session=session_state(row), previous_start=previous_start), row)
    return row, context


async def cancel(session: AsyncSession, row: Session, *, reason: str, now: datetime) -> None:
    """Cancel a scheduled session (locked by the caller): frees its time, drops its reminders."""
    row.status = SessionStatus.CANCELED.value
    row.cancel_reason = reason
    await _settle(session, row, now)
    await publish(session, SessionCanceled(session=session_state(row)), row)


async def cancel_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    now: datetime,
) -> Changed:
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    await cancel(session, row, reason=reason, now=now)
    return row, context


async def complete_session(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    if_match: str | None,
    now: datetime,
) -> Changed:
    """Mark a session as held, and propose the next one at the program's cadence."""
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    _require_started(row, now)
    row.status = SessionStatus.COMPLETED.value
    await _settle(session, row, now)
    await publish(session, SessionCompleted(session=session_state(row)), row)
    await propose_next_session(session, context=context, after=row, now=now)
    return row, context


async def report_no_show(
    session: AsyncSession,
    *,
    caller: Principal,
    session_id: uuid.UUID,
    report: SessionNoShowReport,
    if_match: str | None,
    now: datetime,
) -> Changed:
    row, context = await _editable(session, caller=caller, session_id=session_id, if_match=if_match)
    _require_started(row, now)
    strangers = [person for person in report.absent if person not in (row.mentor_id, row.mentee_id)]
    if strangers:
        raise field_problem(
            "absent", "only the session's mentor and mentee can be absent", "not-a-participant"
        )
    row.status = SessionStatus.NO_SHOW.value
    row.no_show = sorted({str(person) for person in report.absent})
    await _settle(session, row, now)
    await publish(session, SessionNoShow(session=session_state(row)), row)
    return row, context


async def cancel_future_sessions(
    session: AsyncSession,
    *,
    organization: str,
    reason: str,
    now: datetime,
    person_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
) -> int:
    """Cancel what is still ahead for a person or a match (deactivation, match ended)."""
    rows = await queries.future_sessions(
        session, organization=organization, now=now, person_id=person_id, match_id=match_id
    )
    for row in rows:
        await cancel(session, row, reason=reason, now=now)
    return len(rows)
