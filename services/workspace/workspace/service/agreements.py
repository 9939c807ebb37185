"""Editing and signing a pair's agreement.

Until someone edits or signs it, the agreement reads as the program's current template at version
0; the first edit or signature keeps a copy of its text for the pair. Each member signs a given
version (409 when it is no longer the current one); an edit raises the version and clears both
signatures (the history of signatures stays). When both have signed the current version,
`agreement.signed` is published once, with ids and the version, never the text.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import check_if_match
from shared.contracts.workspace import AgreementSigned
from shared.errors import Problem
from workspace import queries
from workspace.access import PairAccess, Viewer
from workspace.agreements import from_template
from workspace.models import AGREEMENT_SIGNATURES, WORKSPACES, Agreement
from workspace.schemas import AgreementSections
from workspace.service import OUTBOX
from workspace.service.workspaces import lock_for_change


async def _agreement(session: AsyncSession, access: PairAccess, now: datetime) -> Agreement:
    """The pair's stored agreement, or a copy of the program's template at version 0."""
    row = await session.get(Agreement, access.match_id, with_for_update=True)
    if row is not None:
        return row
    rules = await queries.program_rules(session, program_id=access.program_id)
    row = Agreement(
        match_id=access.match_id,
        organization=access.organization,
        program_id=access.program_id,
        sections=from_template(rules.agreement_template),
        version=0,
        updated_by=None,
        updated_at=now,
    )
    session.add(row)
    return row


async def _record_status(session: AsyncSession, row: Agreement) -> None:
    both = row.mentor_signed_version == row.version and row.mentee_signed_version == row.version
    either = row.mentor_signed_version == row.version or row.mentee_signed_version == row.version
    status = "signed" if both else "partially_signed" if either else "draft"
    await session.flush()
    await session.execute(
        update(WORKSPACES)
        .where(WORKSPACES.c.match_id == row.match_id)
        .values(agreement_status=status, agreement_signed_version=row.version if both else None)
    )


async def edit_agreement(
    session: AsyncSession,
    *,
    caller: Principal,
    match_id: uuid.UUID,
    sections: AgreementSections,
    if_match: str | None,
    now: datetime,
) -> None:
    """Either member edits the agreement (If-Match: its ETag); both signatures are cleared."""
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    me = access.member()
    row = await _agreement(session, access, now)
    check_if_match(if_match, row.version)
    row.sections = sections.model_dump()
    row.version += 1
    row.updated_by = me
    row.updated_at = now
    row.mentor_signed_version = row.mentor_signed_at = None
    row.mentee_signed_version = row.mentee_signed_at = None
    await _record_status(session, row)


async def sign_agreement(
    session: AsyncSession, *, caller: Principal, match_id: uuid.UUID, version: int, now: datetime
) -> None:
    """A member signs the given version (signing it again changes nothing)."""
    access = (await lock_for_change(session, caller=caller, match_id=match_id)).writable()
    me = access.member()
    row = await _agreement(session, access, now)
    if version != row.version:
        raise Problem(
            409,
            f"version {version} is not the agreement's current version ({row.version}): "
            "read it again and sign that",
            slug="agreement-changed",
        )
    was_signed = row.mentor_signed_version == row.version and row.mentee_signed_version == row.version
    if access.viewer is Viewer.MENTOR:
        if row.mentor_signed_version == version:
            return
        row.mentor_signed_version, row.mentor_signed_at = version, now
    else:
        if row.mentee_signed_version == version:
            return
        row.mentee_signed_version, row.mentee_signed_at = version, now
    await session.flush()
    await session.execute(
        insert(AGREEMENT_SIGNATURES)
        .values(
            match_id=match_id, person_id=me, version=version, organization=access.organization, signed_at=now
        )
        .on_conflict_do_nothing()
    )
    await _record_status(session, row)
    signed = row.mentor_signed_version == row.version and row.mentee_signed_version == row.version
    if signed and not was_signed:
        assert row.mentor_signed_at is not None and row.mentee_signed_at is not None
        event = AgreementSigned(
            match_id=match_id,
            program_id=access.program_id,
            mentor_id=access.mentor_id,
            mentee_id=access.mentee_id,
            version=row.version,
            mentor_signed_at=row.mentor_signed_at,
            mentee_signed_at=row.mentee_signed_at,
        )
        await OUTBOX.add(session, event, organization=access.organization, subject=str(match_id))
