"""A program's workspace settings (agreement template, agreement required before the first
session) and an organization's message retention: admins change them with If-Match (the defaults
carry version 0). A program's change is published, so scheduling can enforce the agreement."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.workspace import ProgramSettingsUpdated
from shared.errors import not_found
from shared.locks import advisory_lock
from workspace import queries
from workspace.agreements import from_template
from workspace.models import ORGANIZATION_SETTINGS, PROGRAM_SETTINGS
from workspace.program_rules import OrganizationRules, ProgramRules
from workspace.schemas import OrganizationWorkspaceSettingsUpdate, ProgramWorkspaceSettingsUpdate
from workspace.service import OUTBOX


async def update_program_settings(
    session: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID,
    changes: ProgramWorkspaceSettingsUpdate,
    if_match: str | None,
    now: datetime,
) -> ProgramRules:
    """Replace a program's workspace settings (If-Match: their ETag, `"0"` for the defaults).
    Agreements a pair already edited or signed keep their text."""
    if await queries.program_organization(session, program_id=program_id) != caller.organization:
        raise not_found("program")
    # Serialize writers of one program's settings, including the first (no row to lock yet).
    await advisory_lock(session, f"workspace.program_settings.{program_id}")
    current = await queries.program_rules(session, program_id=program_id)
    check_if_match(if_match, current.version)
    values = {
        "program_id": program_id,
        "organization": caller.organization,
        "agreement_template": from_template(changes.agreement_template.model_dump()),
        "agreement_required": changes.agreement_required_before_first_session,
        "version": current.version + 1,
        "updated_at": now,
    }
    statement = insert(PROGRAM_SETTINGS).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["program_id"],
            set_={name: statement.excluded[name] for name in values if name != "program_id"},
        )
    )
    event = ProgramSettingsUpdated(
        program_id=program_id,
        version=current.version + 1,
        agreement_required_before_first_session=changes.agreement_required_before_first_session,
    )
    await OUTBOX.add(session, event, organization=caller.organization, subject=str(program_id))
    return await queries.program_rules(session, program_id=program_id)


async def update_organization_settings(
    session: AsyncSession,
    *,
    caller: Principal,
    changes: OrganizationWorkspaceSettingsUpdate,
    if_match: str | None,
    default_retention_days: int,
    now: datetime,
) -> OrganizationRules:
    """Set how long the organization's messages are kept (If-Match: the ETag, `"0"` for the default)."""
    await advisory_lock(session, f"workspace.organization_settings.{caller.organization}")
    current = await queries.organization_rules(
        session, organization=caller.organization, default_retention_days=default_retention_days
    )
    check_if_match(if_match, current.version)
    values = {
        "organization": caller.organization,
        "message_retention_days": changes.message_retention_days,
        "version": current.version + 1,
        "updated_at": now,
    }
    statement = insert(ORGANIZATION_SETTINGS).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["organization"],
            set_={name: statement.excluded[name] for name in values if name != "organization"},
        )
    )
    return OrganizationRules(
        message_retention_days=changes.message_retention_days, version=current.version + 1
    )
