"""Reads of the workspace service. Every read is scoped to the caller's organization first, and to
what the caller may see of a pair (`access`); every list is a keyset page
(`shared.pagination.keyset_page`).

This module holds the lookups every part uses; one module per part of the workspace holds its
reads: `workspaces` (the workspace, its dashboard and export), `goals`, `action_items`,
`sessions` (agendas and notes), `messages` (the conversation and reports), `programs` (admins'
program views) and `cases` (facilitation).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.contracts.profiles import ProgramObjective
from workspace.access import PairAccess, pair_access
from workspace.models import OrganizationSettings, Person, Program, ProgramSettings, Workspace
from workspace.program_rules import OrganizationRules, ProgramRules


async def program_organization(db: AsyncSession, *, program_id: uuid.UUID) -> str | None:
    """The organization of a program the service knows of (from profiles' events)."""
    return await db.scalar(select(Program.organization).where(Program.id == program_id))


async def program_objective(db: AsyncSession, *, program_id: uuid.UUID) -> ProgramObjective | None:
    objective = await db.scalar(select(Program.objective).where(Program.id == program_id))
    return ProgramObjective(objective) if objective else None


async def program_rules(db: AsyncSession, *, program_id: uuid.UUID) -> ProgramRules:
    """A program's workspace settings, or the defaults (version 0)."""
    row = (await db.execute(select(ProgramSettings).where(ProgramSettings.program_id == program_id))).scalar()
    return ProgramRules.stored(row)


async def organization_rules(
    db: AsyncSession, *, organization: str, default_retention_days: int
) -> OrganizationRules:
    row = (
        await db.execute(
            select(OrganizationSettings).where(OrganizationSettings.organization == organization)
        )
    ).scalar()
    return OrganizationRules.stored(row, default_retention_days=default_retention_days)


async def person(db: AsyncSession, *, person_id: uuid.UUID) -> Any | None:
    """A person of the profiles read model (a row: name, time zone, skills, interests, active)."""
    return (await db.execute(select(Person.__table__).where(Person.id == person_id))).first()


async def visible_workspace(
    db: AsyncSession, *, caller: Principal, match_id: uuid.UUID
) -> tuple[PairAccess, Any]:
    """The caller's access to a pair's workspace, and its row (404 when they have none)."""
    row = (
        await db.execute(
            select(Workspace.__table__).where(
                Workspace.match_id == match_id, Workspace.organization == caller.organization
            )
        )
    ).first()
    return pair_access(caller, row), row


async def visible_pair(db: AsyncSession, *, caller: Principal, match_id: uuid.UUID) -> PairAccess:
    """The caller's access to a pair's workspace, for reading (404 when they have none)."""
    access, _ = await visible_workspace(db, caller=caller, match_id=match_id)
    return access
