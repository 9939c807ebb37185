"""Use case of the fairness audit's configuration: which attributes an organization allows
auditing on, and the minimum group size shown (never below the service's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from matching.config import MatchingSettings
from matching.models import AuditConfig
from matching.schemas import AuditConfigIn
from shared.auth import Principal
from shared.clock import utcnow
from shared.concurrency import check_if_match
from shared.errors import Problem


async def put_audit_config(
    session: AsyncSession,
    *,
    caller: Principal,
    body: AuditConfigIn,
    if_match: str | None,
    settings: MatchingSettings,
) -> AuditConfig:
    """Mark which attributes may be audited, and the minimum group size (If-Match once set)."""
    if body.min_group_size < settings.audit_min_group_size:
        raise Problem(
            422,
            f"min_group_size cannot be below {settings.audit_min_group_size}",
            errors=[{"field": "body.min_group_size", "message": "too small", "type": "greater_than_equal"}],
        )
    row = await session.get(AuditConfig, caller.organization, with_for_update=True)
    values: dict[str, Any] = {
        "attributes": [attribute.value for attribute in body.attributes],
        "self_identified": list(body.self_identified),
        "min_group_size": body.min_group_size,
        "updated_by": caller.subject,
        "updated_at": utcnow(),
    }
    if row is None:
        row = AuditConfig(organization=caller.organization, version=1, **values)
        session.add(row)
    else:
        check_if_match(if_match, row.version)
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
    await session.flush()
    return row
