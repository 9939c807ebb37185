"""An organization's privacy policy: retention periods, automatic erasure of leavers, and what
integrations may do. Retention is published, for the services that hold such records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.models import Policy, messaging
from privacy.schemas import PolicyUpdate
from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.privacy import RetentionPolicy, RetentionPolicyUpdated
from shared.outbox import Outbox
from shared.retention import DEFAULT_POLICY

outbox = Outbox(messaging.outbox)


async def policy_row(session: AsyncSession, organization: str, *, for_update: bool = False) -> Policy | None:
    query = select(Policy).where(Policy.organization == organization)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def update_policy(
    session: AsyncSession, *, caller: Principal, changes: PolicyUpdate, if_match: str | None, now: datetime
) -> Policy:
    """Replace the organization's policy (If-Match on its version; "0" before the first one)."""
    row = await policy_row(session, caller.organization, for_update=True)
    check_if_match(if_match, row.version if row is not None else 0)
    retention: dict[str, Any] = changes.retention.model_dump(mode="json")
    if row is None:
        row = Policy(organization=caller.organization, version=0)
        session.add(row)
    row.retention = retention
    row.erase_after_days = changes.erase_after_days
    row.integrations_may_export = changes.integrations_may_export
    row.integrations_may_erase = changes.integrations_may_erase
    row.version += 1
    row.updated_by = caller.subject
    row.updated_at = now
    await session.flush()
    await outbox.add(
        session,
        RetentionPolicyUpdated(
            organization=caller.organization,
            version=row.version,
            policy=RetentionPolicy.model_validate(retention),
        ),
        organization=caller.organization,
        subject=caller.organization,
    )
    return row


def retention_of(row: Policy | None) -> RetentionPolicy:
    return RetentionPolicy.model_validate(row.retention) if row is not None else DEFAULT_POLICY
