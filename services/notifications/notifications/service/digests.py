"""Digests: the emails a person chose to receive daily or weekly, gathered into one when due.

Each held delivery already knows when its digest goes out (the person's next 08:00, or Monday's,
after quiet hours: delivery_rules.next_digest). When that time comes, the held deliveries of one
person and one due time become one digest notification and one queued delivery whose key names
the person and the due time, so a digest is built once even if the job runs twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.models import Delivery, DeliveryLogEntry, DeliveryStatus, Notification, Person, Preferences
from notifications.service import DISPATCH_CHANNEL


async def gather_due(session: AsyncSession, *, now: datetime, limit: int = 1000) -> int:
    """Turn held deliveries whose digest is due into digests; the number of digests queued."""
    held = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.person_id,
                Delivery.organization,
                Delivery.due_at,
                Delivery.notification_id,
            )
            .where(Delivery.status == DeliveryStatus.HELD.value, Delivery.due_at <= now)
            .order_by(Delivery.person_id, Delivery.due_at, Delivery.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    groups: dict[tuple[uuid.UUID, datetime], list[object]] = {}
    for row in held:
        groups.setdefault((row.person_id, row.due_at), []).append(row)
    queued = 0
    for (person_id, due_at), rows in groups.items():
        organization = rows[0].organization  # type: ignore[attr-defined]
        items = [str(row.notification_id) for row in rows]  # type: ignore[attr-defined]
        person = await session.get(Person, person_id)
        preferences = await session.get(Preferences, person_id)
        weekly = preferences is not None and any(
            (choice or {}).get("digest") == "weekly" for choice in (preferences.kinds or {}).values()
        )
        digest_id = uuid.uuid4()
        key = f"digest:{person_id}:{due_at.isoformat()}:email"
        await session.execute(
            insert(Notification)
            .values(
                id=digest_id,
                organization=organization,
                person_id=person_id,
                kind="digest",
                source_key=f"digest:{due_at.isoformat()}",
                context={"period": "weekly" if weekly else "daily"},
                title=f"Digest of {len(items)} notifications",
                in_inbox=False,
                created_at=now,
            )
            .on_conflict_do_nothing(constraint="uq_notifications_person_id")
        )
        status = DeliveryStatus.QUEUED if person is not None and person.active else DeliveryStatus.CANCELED
        inserted = await session.execute(
            insert(Delivery)
            .values(
                id=uuid.uuid4(),
                key=key,
                organization=organization,
                person_id=person_id,
                notification_id=digest_id,
                items=items,
                kind="digest",
                channel="email",
                status=status.value,
                due_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Delivery.id)
        )
        digest_delivery = inserted.scalar()
        ids = [row.id for row in rows]  # type: ignore[attr-defined]
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(status=DeliveryStatus.DIGESTED.value, updated_at=now)
        )
        log = [
            {
                "delivery_id": row_id,
                "organization": organization,
                "status": "digested",
                "detail": f"in digest {key}",
            }
            for row_id in ids
        ]
        if digest_delivery is not None:
            log.append(
                {
                    "delivery_id": digest_delivery,
                    "organization": organization,
                    "status": status.value,
                    "detail": f"{len(ids)} items",
                }
            )
            queued += status is DeliveryStatus.QUEUED
        await session.execute(insert(DeliveryLogEntry), log)
    if queued:
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": DISPATCH_CHANNEL})
    return queued
