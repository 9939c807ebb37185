"""The audit trail: entries from every service's `audit.recorded`, kept per the organization's policy."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.models import AuditEntry, Policy
from shared.contracts.privacy import AuditEntry as Entry
from shared.retention import DEFAULT_POLICY


async def record(session: AsyncSession, *, service: str, organization: str, entries: list[Entry]) -> None:
    """Append the entries (an entry shipped twice is kept once)."""
    if not entries:
        return
    await session.execute(
        insert(AuditEntry)
        .values(
            [
                {
                    "id": entry.id,
                    "organization": organization,
                    "service": service,
                    "at": entry.at,
                    "actor_type": entry.actor_type,
                    "actor_id": entry.actor_id,
                    "request_id": entry.request_id,
                    "trace_id": entry.trace_id,
                    "resource_type": entry.resource_type,
                    "resource_id": entry.resource_id,
                    "action": entry.action,
                    "changes": entry.changes,
                }
                for entry in entries
            ]
        )
        .on_conflict_do_nothing()
    )


async def prune(session: AsyncSession, *, batch: int = 5000) -> int:
    """Delete one batch of entries older than their organization's `audit_days` (or the default)."""
    days = func.coalesce(
        select(Policy.retention["audit_days"].as_integer())
        .where(Policy.organization == AuditEntry.organization)
        .scalar_subquery(),
        DEFAULT_POLICY.audit_days,
    )
    expired = (
        select(AuditEntry.id)
        .where(and_(AuditEntry.at < func.now() - func.make_interval(0, 0, 0, days)))
        .limit(batch)
    )
    result = await session.execute(delete(AuditEntry).where(AuditEntry.id.in_(expired)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
