"""Reads of facilitation (admins only): intervention notes on a pair, and at-risk cases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import not_found
from shared.pagination import keyset_page
from workspace.access import PairAccess
from workspace.documents import Document, case_document, intervention_note_document
from workspace.models import Case, CaseAction, CaseStatus, InterventionNote

Page = tuple[list[Document], str | None]


async def intervention_notes(db: AsyncSession, *, access: PairAccess, limit: int, cursor: str | None) -> Page:
    rows, next_cursor = await keyset_page(
        db,
        select(InterventionNote.__table__).where(InterventionNote.match_id == access.match_id),
        key=(InterventionNote.created_at, InterventionNote.id),
        limit=limit,
        cursor=cursor,
    )
    return [intervention_note_document(row) for row in rows], next_cursor


async def _with_actions(db: AsyncSession, rows: list[Any]) -> list[Document]:
    if not rows:
        return []
    actions = (
        await db.execute(
            select(CaseAction.__table__)
            .where(CaseAction.case_id.in_([row.id for row in rows]))
            .order_by(CaseAction.taken_at, CaseAction.id)
        )
    ).all()
    by_case: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for action in actions:
        by_case[action.case_id].append(action)
    return [case_document(row, by_case.get(row.id, ())) for row in rows]


async def cases(
    db: AsyncSession,
    *,
    caller: Principal,
    program_id: uuid.UUID | None,
    match_id: uuid.UUID | None,
    status: CaseStatus | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The organization's cases, oldest first."""
    query = select(Case.__table__).where(Case.organization == caller.organization)
    if program_id is not None:
        query = query.where(Case.program_id == program_id)
    if match_id is not None:
        query = query.where(Case.match_id == match_id)
    if status is not None:
        query = query.where(Case.status == status.value)
    rows, next_cursor = await keyset_page(
        db, query, key=(Case.opened_at, Case.id), limit=limit, cursor=cursor
    )
    return await _with_actions(db, rows), next_cursor


async def case(db: AsyncSession, *, caller: Principal, case_id: uuid.UUID) -> Document:
    row = (
        await db.execute(
            select(Case.__table__).where(Case.id == case_id, Case.organization == caller.organization)
        )
    ).first()
    if row is None:
        raise not_found("case")
    (document,) = await _with_actions(db, [row])
    return document
