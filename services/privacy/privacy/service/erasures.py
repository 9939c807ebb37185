"""Erasures: a deactivated person erased from every registered service.

Asking publishes `privacy.erasure.requested`; profiles anonymizes the person and publishes
`profiles.person.erased`, on which every service (this one too) erases what it holds and
publishes its `personal_data.erased`. The erasure completes once every registered service has
confirmed; until then it is pending (admins see which services are missing) and asked for again
with backoff, so a service that is down delays it and never skips it. Asking twice answers the
same erasure.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentorship.services import names
from privacy.access import may_erase
from privacy.models import Erasure, ErasureConfirmation, Person, Policy, messaging
from privacy.service.exports import known_person
from privacy.service.policies import policy_row
from shared.auth import Principal
from shared.contracts.privacy import ErasureCompleted, ErasureRequested, PersonalDataErased
from shared.errors import Problem
from shared.outbox import Outbox

outbox = Outbox(messaging.outbox)


async def existing(session: AsyncSession, *, organization: str, person_id: uuid.UUID) -> Erasure | None:
    """The person's erasure that is pending or done (a canceled one does not count)."""
    return (
        await session.execute(
            select(Erasure).where(
                Erasure.organization == organization,
                Erasure.person_id == person_id,
                Erasure.status != "canceled",
            )
        )
    ).scalar_one_or_none()


async def request_erasure(
    session: AsyncSession, *, caller: Principal, person_id: uuid.UUID, now: datetime
) -> tuple[Erasure, bool]:
    """Erase a deactivated person (an admin, or an integration the organization allows); the
    erasure and whether it was created now (False: it existed, pending or completed)."""
    policy = await policy_row(session, caller.organization)
    may_erase(caller, integrations_allowed=policy is not None and policy.integrations_may_erase)
    person = await known_person(session, organization=caller.organization, person_id=person_id)
    found = await existing(session, organization=caller.organization, person_id=person_id)
    if found is not None:
        return found, False
    if person.active:
        raise Problem(
            409, "only a deactivated person can be erased: deactivate them first", slug="person-active"
        )
    return (
        await start(
            session,
            organization=caller.organization,
            person_id=person_id,
            reason="admin",
            requested_by=caller.subject,
            requested_by_type=caller.actor.type.value,
            now=now,
        ),
        True,
    )


async def start(
    session: AsyncSession,
    *,
    organization: str,
    person_id: uuid.UUID,
    reason: str,
    requested_by: str,
    requested_by_type: str,
    now: datetime,
) -> Erasure:
    erasure = Erasure(
        id=uuid.uuid4(),
        organization=organization,
        person_id=person_id,
        reason=reason,
        requested_by=requested_by,
        requested_by_type=requested_by_type,
        status="pending",
        attempt=1,
        requested_at=now,
        last_requested_at=now,
    )
    session.add(erasure)
    await session.flush()
    await outbox.add(
        session,
        ErasureRequested(erasure_id=erasure.id, person_id=person_id, reason=reason, attempt=1),
        organization=organization,
        subject=str(person_id),
    )
    return erasure


async def record_confirmation(
    session: AsyncSession, *, organization: str, event: PersonalDataErased, now: datetime
) -> None:
    """A service confirmed: once every registered service has, the erasure is complete.

    No lock on the erasure while confirmations arrive (each service's on its own stream's
    consumer, whose batches would lock erasures in opposite orders): completing is one conditional
    update, and `ask_again` completes an erasure whose last two confirmations missed each other."""
    erasure = await session.get(Erasure, event.erasure_id)
    if erasure is None or erasure.organization != organization:
        return
    await session.execute(
        insert(ErasureConfirmation)
        .values(
            erasure_id=event.erasure_id,
            service=event.service,
            organization=organization,
            erased=event.erased,
            confirmed_at=now,
        )
        .on_conflict_do_nothing()
    )
    if erasure.status == "pending":
        await _complete_if_confirmed(session, erasure, now=now)


async def _complete_if_confirmed(session: AsyncSession, erasure: Erasure, *, now: datetime) -> bool:
    """Complete the erasure once every registered service confirmed (once: the first to see it)."""
    if await missing_confirmations(session, erasure.id):
        return False
    completed = await session.execute(
        update(Erasure)
        .where(Erasure.id == erasure.id, Erasure.status == "pending")
        .values(status="completed", completed_at=now)
        .returning(Erasure.id)
        .execution_options(synchronize_session=False)
    )
    if completed.first() is None:
        return False
    await session.refresh(erasure)
    await outbox.add(
        session,
        ErasureCompleted(erasure_id=erasure.id, person_id=erasure.person_id, services=list(names())),
        organization=erasure.organization,
        subject=str(erasure.person_id),
    )
    return True


async def missing_confirmations(session: AsyncSession, erasure_id: uuid.UUID) -> list[str]:
    confirmed = set(
        (
            await session.execute(
                select(ErasureConfirmation.service).where(ErasureConfirmation.erasure_id == erasure_id)
            )
        ).scalars()
    )
    return [name for name in names() if name not in confirmed]


async def ask_again(session: AsyncSession, *, now: datetime, after_seconds: float, max_seconds: float) -> int:
    """Pending erasures are asked for again after a growing delay (attempt + 1): every service
    erases again (nothing more) and confirms, and those that missed it catch up."""
    pending = list(
        (
            await session.execute(
                select(Erasure)
                .where(Erasure.status == "pending")
                .order_by(Erasure.last_requested_at)
                .limit(100)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    asked = 0
    for erasure in pending:
        if await _complete_if_confirmed(session, erasure, now=now):
            continue
        delay = min(after_seconds * 2 ** (erasure.attempt - 1), max_seconds)
        if erasure.last_requested_at > now - timedelta(seconds=delay):
            continue
        erasure.attempt += 1
        erasure.last_requested_at = now
        await outbox.add(
            session,
            ErasureRequested(
                erasure_id=erasure.id,
                person_id=erasure.person_id,
                reason=erasure.reason,
                attempt=erasure.attempt,
            ),
            organization=erasure.organization,
            subject=str(erasure.person_id),
        )
        asked += 1
    return asked


async def erase_leavers(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """The automatic policy: people deactivated longer ago than their organization's
    `erase_after_days` are erased (reason `policy`, by the platform)."""
    open_erasure = exists().where(
        Erasure.organization == Person.organization,
        Erasure.person_id == Person.id,
        Erasure.status != "canceled",
    )
    due = (
        await session.execute(
            select(Person.id, Person.organization)
            .join(
                Policy, and_(Policy.organization == Person.organization, Policy.erase_after_days.is_not(None))
            )
            .where(
                Person.active.is_(False),
                Person.erased_at.is_(None),
                Person.deactivated_at < now - func.make_interval(0, 0, 0, Policy.erase_after_days),
                ~open_erasure,
            )
            .limit(limit)
        )
    ).all()
    for person_id, organization in due:
        await start(
            session,
            organization=organization,
            person_id=person_id,
            reason="policy",
            requested_by="automatic-erasure",
            requested_by_type="platform",
            now=now,
        )
    return len(due)
