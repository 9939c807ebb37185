"""What became of deliveries: outcomes recorded with their log entries and events, and the
recovery of deliveries a worker left in `sending`.

Why a delivery left in `sending` is marked `unknown` and never sent again: `sending` is recorded
just before the message data goes to the server (SMTP DATA, the chat POST). A worker that stops
between that moment and recording the server's answer may or may not have handed the message
over, and nothing can ask a mail server afterwards. Sending again could put a second copy in a
real mailbox; marking it `unknown` (visible in the delivery log, with a `notification.failed`
event) never can. The window is one message wide per connection, and everything before it
(rendering, MAIL, RCPT) is safely retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.channels.attempts import Attempt, Result
from notifications.claims import ClaimedDelivery
from notifications.models import Delivery, DeliveryLogEntry, DeliveryStatus
from notifications.service import OUTBOX
from shared.contracts.notifications import Channel, FailureReason, NotificationFailed, NotificationSent
from shared.events import Event
from shared.jobs import backoff

DELIVERIES = Delivery.__table__


@dataclass(frozen=True)
class Outcome:
    delivery: ClaimedDelivery
    attempt: Attempt
    # Whether `sending` was recorded (the attempt counter moved then).
    marked_sending: bool


_FINAL = {
    Result.SENT: DeliveryStatus.SENT,
    Result.BOUNCED: DeliveryStatus.BOUNCED,
    Result.FAILED: DeliveryStatus.FAILED,
    Result.UNKNOWN: DeliveryStatus.UNKNOWN,
    Result.CANCELED: DeliveryStatus.CANCELED,
}
_REASONS = {
    DeliveryStatus.BOUNCED: FailureReason.BOUNCED,
    DeliveryStatus.FAILED: FailureReason.FAILED,
    DeliveryStatus.UNKNOWN: FailureReason.UNKNOWN,
}


def _failed(row: Any, status: DeliveryStatus, attempts: int, at: datetime) -> NotificationFailed:
    return NotificationFailed(
        notification_id=row.notification_id,
        delivery_id=row.id,
        person_id=row.person_id,
        kind=row.kind,
        channel=Channel(row.channel),
        reason=_REASONS[status],
        attempts=attempts,
        failed_at=at,
    )


async def record(
    session: AsyncSession, outcomes: list[Outcome], *, now: datetime, max_attempts: int, retry_base: float
) -> None:
    """Record a batch of outcomes, their log entries and their events, in the caller's transaction.
    An outcome of an older claim (the delivery was claimed again since) changes nothing."""
    changes: list[dict[str, Any]] = []
    log: list[dict[str, Any]] = []
    events: list[tuple[Event, str, str | None]] = []
    for outcome in outcomes:
        item, attempt = outcome.delivery, outcome.attempt
        attempts = (
            item.attempt if outcome.marked_sending or attempt.result is Result.RETRY else item.attempt - 1
        )
        due_at = now
        if attempt.result is Result.RETRY and attempts >= max_attempts:
            status = DeliveryStatus.FAILED
            detail = f"gave up after {attempts} attempts; last answer: {attempt.detail}"
        elif attempt.result in (Result.RETRY, Result.UNREACHABLE):
            status = DeliveryStatus.QUEUED
            wait = (
                attempt.retry_in
                if attempt.retry_in is not None
                else backoff(max(attempts, 1), base=retry_base)
            )
            due_at = now + timedelta(seconds=wait)
            detail = f"{attempt.detail}; retry at {due_at.isoformat()}"
        else:
            status = _FINAL[attempt.result]
            detail = attempt.detail
        changes.append(
            {
                "b_id": item.id,
                "b_token": item.claim_token,
                "b_status": status.value,
                "b_attempts": attempts,
                "b_due_at": due_at,
                "b_response": attempt.detail[:2000],
                "b_sent_at": now if status is DeliveryStatus.SENT else None,
            }
        )
        log.append(
            {
                "delivery_id": item.id,
                "organization": item.organization,
                "status": status.value,
                "detail": detail[:2000],
            }
        )
        if status is DeliveryStatus.SENT:
            event: Event = NotificationSent(
                notification_id=item.notification_id,
                delivery_id=item.id,
                person_id=item.person_id,
                kind=item.kind,
                channel=Channel(item.channel),
                digest=item.items is not None,
                sent_at=now,
            )
            events.append((event, item.organization, str(item.id)))
        elif status in _REASONS:
            events.append((_failed(item, status, attempts, now), item.organization, str(item.id)))
    await session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == bindparam("b_id"), DELIVERIES.c.claim_token == bindparam("b_token"))
        .values(
            status=bindparam("b_status"),
            attempts=bindparam("b_attempts"),
            due_at=bindparam("b_due_at"),
            last_response=bindparam("b_response"),
            sent_at=bindparam("b_sent_at"),
            claim_token=None,
            lease_until=None,
            updated_at=now,
        ),
        changes,
    )
    await session.execute(insert(DeliveryLogEntry), log)
    if events:
        await OUTBOX.add_many(session, events)


async def recover_stuck(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    """Mark `unknown` the deliveries whose worker stopped while handing them over (see above)."""
    rows = (
        (
            await session.execute(
                select(Delivery)
                .where(Delivery.status == DeliveryStatus.SENDING.value, Delivery.lease_until < now)
                .order_by(Delivery.lease_until)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    reason = "the worker stopped while handing the message over; not sent again, to never send it twice"
    for row in rows:
        row.status = DeliveryStatus.UNKNOWN.value
        row.last_response = reason
        row.claim_token = None
        row.lease_until = None
        row.updated_at = now
        session.add(
            DeliveryLogEntry(
                delivery_id=row.id, organization=row.organization, status=row.status, detail=reason
            )
        )
    if rows:
        await OUTBOX.add_many(
            session,
            [
                (_failed(row, DeliveryStatus.UNKNOWN, row.attempts, now), row.organization, str(row.id))
                for row in rows
            ],
        )
    return len(rows)


async def resend(session: AsyncSession, delivery: Delivery, *, now: datetime) -> None:
    """An admin's decision to send a failed, bounced or unknown delivery again (a new attempt)."""
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.due_at = now
    delivery.updated_at = now
    session.add(
        DeliveryLogEntry(
            delivery_id=delivery.id,
            organization=delivery.organization,
            status="queued",
            detail="resent by an admin",
        )
    )
