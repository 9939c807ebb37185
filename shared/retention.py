"""Retention per organization: how long records that are no longer needed are kept.

The privacy service owns each organization's policy and publishes it (`privacy.retention_policy.
updated`); every service keeps the latest in its `retention_policies` table (part of its messaging
tables, filled by shared/personal_data.py's handlers), and the services holding such records
enforce it with `days_kept`, which falls back to `DEFAULT_POLICY` for an organization that never
set one: a service lists its `Retained` records in its `PersonalData` (shared/personal_data.py),
whose periodic `retention-policy` job deletes them once their organization's period is over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.privacy import RetentionPolicy
from shared.read_models import upsert_if_newer

RETENTION_POLICIES = "retention_policies"

# Documented in services/privacy/README.md; an organization's policy overrides them.
DEFAULT_POLICY = RetentionPolicy(
    ended_match_notes_days=365,
    messages_days=730,
    feedback_text_days=730,
    delivery_log_days=30,
    audit_days=730,
)


def retention_table(metadata: MetaData) -> Table:
    """The organizations' retention policies as this service last heard of them."""
    return Table(
        RETENTION_POLICIES,
        metadata,
        Column("organization", String(100), primary_key=True),
        Column("version", Integer, nullable=False),
        Column("policy", JSONB, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def store_policy(
    session: AsyncSession, table: Table, *, organization: str, version: int, policy: RetentionPolicy
) -> None:
    """Keep an organization's newer policy (a stale or repeated event changes nothing)."""
    await upsert_if_newer(
        session,
        table,
        {
            "organization": organization,
            "version": version,
            "policy": policy.model_dump(mode="json"),
            "updated_at": func.now(),
        },
        key=("organization",),
    )


def days_kept(
    table: Table,
    organization: ColumnElement[Any],
    kind: str,
    *,
    fallback: ColumnElement[Any] | None = None,
) -> ColumnElement[int]:
    """SQL: the days `kind` records of the row's `organization` are kept (the organization's policy,
    else `fallback` — SQL a service keeps for organizations without a policy, e.g. an older setting
    of its own; NULL when there is none — else the default), for retention statements over many
    organizations at once, e.g. `received_at < now() - make_interval(days => days_kept(...))`."""
    default = getattr(DEFAULT_POLICY, kind)
    chosen = (
        select(cast(table.c.policy[kind].astext, Integer))
        .where(table.c.organization == organization)
        .scalar_subquery()
    )
    if fallback is None:
        return func.coalesce(chosen, default)
    return func.coalesce(chosen, fallback, default)


def cutoff(
    table: Table,
    organization: ColumnElement[Any],
    kind: str,
    *,
    fallback: ColumnElement[Any] | None = None,
    now: Any = None,
) -> ColumnElement[Any]:
    """SQL: the moment before which `kind` records of the row's organization are no longer kept
    (counted back from `now`, the database's clock unless given)."""
    days = days_kept(table, organization, kind, fallback=fallback)
    return (func.now() if now is None else now) - func.make_interval(0, 0, 0, days)


@dataclass(frozen=True, kw_only=True)
class Retained:
    """Records a service keeps only for one period of the organization's policy, then deletes."""

    table: Table
    # The policy's period (a `RetentionPolicy` field), e.g. `feedback_text_days`.
    kind: str
    # The moment the period counts from: a column of the table, or SQL over it (e.g. when the match
    # the row belongs to ended; NULL means the period has not started).
    since: str | Callable[[Table], ColumnElement[Any]]
    organization: str = "organization"

    def __post_init__(self) -> None:
        if self.kind not in RetentionPolicy.model_fields:
            raise ValueError(f"no retention period {self.kind!r}")
        if len(self.table.primary_key.columns) != 1:
            raise ValueError(f"{self.table.name}: retention deletes by a one-column primary key")

    def moment(self) -> ColumnElement[Any]:
        return self.table.c[self.since] if isinstance(self.since, str) else self.since(self.table)


async def enforce(session: AsyncSession, policies: Table, retained: Retained, *, batch: int = 1000) -> int:
    """Delete one batch of `retained` records past their organization's period; the rows deleted."""
    table = retained.table
    (key,) = table.primary_key.columns
    expired = (
        select(key)
        .where(retained.moment() < cutoff(policies, table.c[retained.organization], retained.kind))
        .limit(batch)
    )
    result = await session.execute(delete(table).where(key.in_(expired)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
