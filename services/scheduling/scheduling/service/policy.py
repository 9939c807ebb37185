"""Use cases of an organization's scheduling policy (admins change it; everyone reads it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.models import OrganizationPolicy
from scheduling.policy import DEFAULT_POLICY, SchedulingPolicy
from scheduling.schemas import PolicyUpdate
from scheduling.service.people import require_active_caller
from shared.auth import Principal
from shared.concurrency import check_if_match, etag
from shared.errors import Problem


async def replace_policy(
    session: AsyncSession, *, caller: Principal, update: PolicyUpdate, if_match: str | None, now: datetime
) -> SchedulingPolicy:
    """Replace the whole policy. An organization on the defaults is at version 0 (ETag `"0"`)."""
    await require_active_caller(session, caller)
    current = await session.scalar(
        select(OrganizationPolicy)
        .where(OrganizationPolicy.organization == caller.organization)
        .with_for_update()
    )
    check_if_match(if_match, current.version if current is not None else DEFAULT_POLICY.version)
    values = {
        **update.model_dump(),
        "organization": caller.organization,
        "version": (current.version if current is not None else 0) + 1,
        "updated_at": now,
    }
    statement = insert(OrganizationPolicy).values(**values)
    if current is None:
        # Two admins replacing the defaults at once: the second finds a row it did not expect.
        created = await session.execute(
            statement.on_conflict_do_nothing().returning(OrganizationPolicy.organization)
        )
        if created.first() is None:
            raise Problem(412, f"the policy has changed; its current ETag is not {etag(0)}")
    else:
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[OrganizationPolicy.organization],
                set_={name: statement.excluded[name] for name in values if name != "organization"},
            )
        )
    row = await session.get(OrganizationPolicy, caller.organization, populate_existing=True)
    assert row is not None
    return SchedulingPolicy.from_row(row)
