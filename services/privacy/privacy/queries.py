"""Reads of the privacy service: exports, erasures, the policy, and pages of the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from privacy.access import may_erase, may_read_export
from privacy.documents import Document, audit_document, erasure_document, export_document, policy_document
from privacy.models import AuditEntry, Erasure, ErasureConfirmation, Export, Policy
from privacy.service.erasures import missing_confirmations
from privacy.service.exports import missing_parts
from privacy.service.policies import policy_row
from shared.auth import Principal
from shared.errors import Problem
from shared.pagination import Keyset, keyset_page


async def _export(
    db: AsyncSession, *, caller: Principal, export_id: uuid.UUID, archive: bool = False
) -> Export:
    query = select(Export).where(Export.id == export_id, Export.organization == caller.organization)
    if archive:
        query = query.options(undefer(Export.archive))
    export = (await db.execute(query)).scalar_one_or_none()
    policy = await policy_row(db, caller.organization)
    if export is None or not may_read_export(
        caller,
        person_id=export.person_id,
        requested_by=export.requested_by,
        integrations_allowed=policy is not None and policy.integrations_may_export,
    ):
        raise Problem(404, "no such export")
    return export


async def export_document_of(db: AsyncSession, *, caller: Principal, export_id: uuid.UUID) -> Document:
    export = await _export(db, caller=caller, export_id=export_id)
    return export_document(export, missing=await missing_parts(db, export.id))


async def archive_of(db: AsyncSession, *, caller: Principal, export_id: uuid.UUID) -> Export:
    """The export with its archive; 409 while collecting, 410 once expired or erased."""
    export = await _export(db, caller=caller, export_id=export_id, archive=True)
    if export.status == "collecting":
        raise Problem(409, "the archive is not assembled yet", slug="export-collecting")
    if export.status != "ready" or export.archive is None:
        raise Problem(410, "the archive is no longer available", slug="export-gone")
    return export


async def erasure_document_of(db: AsyncSession, *, caller: Principal, erasure: Erasure) -> Document:
    confirmations = list(
        (
            await db.execute(select(ErasureConfirmation).where(ErasureConfirmation.erasure_id == erasure.id))
        ).scalars()
    )
    return erasure_document(
        erasure, confirmations=confirmations, missing=await missing_confirmations(db, erasure.id)
    )


async def _check_erasures_visible(db: AsyncSession, caller: Principal) -> None:
    policy = await policy_row(db, caller.organization)
    may_erase(caller, integrations_allowed=policy is not None and policy.integrations_may_erase)


async def erasure_of(db: AsyncSession, *, caller: Principal, erasure_id: uuid.UUID) -> Document:
    await _check_erasures_visible(db, caller)
    erasure = await db.get(Erasure, erasure_id)
    if erasure is None or erasure.organization != caller.organization:
        raise Problem(404, "no such erasure")
    return await erasure_document_of(db, caller=caller, erasure=erasure)


async def erasures_page(
    db: AsyncSession, *, caller: Principal, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The organization's erasures, newest first (`status=pending`: what is still waiting)."""
    await _check_erasures_visible(db, caller)
    query = select(Erasure).where(Erasure.organization == caller.organization)
    if status is not None:
        query = query.where(Erasure.status == status)
    rows, next_cursor = await keyset_page(
        db,
        query,
        key=Keyset((Erasure.requested_at, Erasure.id), descending=True),
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    return [await erasure_document_of(db, caller=caller, erasure=row) for row in rows], next_cursor


async def policy_of(db: AsyncSession, *, organization: str) -> tuple[Document, int]:
    row: Policy | None = await policy_row(db, organization)
    document = policy_document(organization, row)
    return document, int(document["version"])


@dataclass(frozen=True)
class TrailFilter:
    """What an admin asks of the trail; every part optional."""

    resource_type: str | None = None
    resource_id: str | None = None
    actor_id: str | None = None
    actor_type: str | None = None
    service: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any], organization: str) -> Select[Any]:
        query = query.where(AuditEntry.organization == organization)
        for column, value in (
            (AuditEntry.resource_type, self.resource_type),
            (AuditEntry.resource_id, self.resource_id),
            (AuditEntry.actor_id, self.actor_id),
            (AuditEntry.actor_type, self.actor_type),
            (AuditEntry.service, self.service),
            (AuditEntry.action, self.action),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(AuditEntry.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEntry.at < self.until)
        return query


TRAIL_ORDER = Keyset((AuditEntry.at, AuditEntry.id), descending=True)


async def trail_page(
    db: AsyncSession, *, organization: str, where: TrailFilter, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of the organization's trail, newest first."""
    rows, next_cursor = await keyset_page(
        db,
        where.apply(select(AuditEntry), organization),
        key=TRAIL_ORDER,
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    return [audit_document(row) for row in rows], next_cursor


async def trail_rows(
    db: AsyncSession, *, organization: str, where: TrailFilter, max_rows: int, chunk: int = 1000
) -> AsyncIterator[Document]:
    """Every entry the filter selects, newest first, read a chunk at a time (for the CSV export)."""
    cursor: str | None = None
    given = 0
    while given < max_rows:
        page, cursor = await trail_page(
            db, organization=organization, where=where, limit=min(chunk, max_rows - given), cursor=cursor
        )
        for document in page:
            yield document
        given += len(page)
        if cursor is None:
            return
