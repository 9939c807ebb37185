"""Facilitation by the program's admins: intervention notes on a pair (never shown to the pair),
and at-risk cases worked to resolution (owner, actions taken, outcome)."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Caller, Creation, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response
from shared.routing import Routes
from workspace import queries
from workspace.access import admin_only
from workspace.documents import intervention_note_document
from workspace.models import CaseStatus
from workspace.queries import cases as case_queries
from workspace.schemas import (
    Case,
    CaseActionCreate,
    CaseAssignment,
    CaseClosure,
    CasePage,
    InterventionNote,
    InterventionNoteCreate,
    InterventionNotePage,
)
from workspace.service import facilitation

router = Routes("facilitation", "Intervention notes and at-risk cases (admins)")


@router.reads("/matches/{match_id}/intervention-notes", InterventionNotePage, 400, 403, 404)
async def list_intervention_notes(
    match_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Admins' notes on a pair, oldest first (the pair gets 403)"""
    access = admin_only(await queries.visible_pair(db, caller=caller, match_id=match_id))
    return page_response(
        *await case_queries.intervention_notes(db, access=access, limit=limit, cursor=cursor)
    )


@router.creates("/matches/{match_id}/intervention-notes", InterventionNote, 403, 404, 422)
async def add_intervention_note(
    match_id: uuid.UUID,
    body: InterventionNoteCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Note something about a pair that only admins see"""

    async def create(session: AsyncSession) -> Created:
        note = await facilitation.add_intervention_note(
            session, caller=caller, match_id=match_id, body=body.body, now=utcnow()
        )
        return intervention_note_document(note), {}

    return await creation.run(caller=caller, create=create)


@router.reads("/cases", CasePage, 400, 403)
async def list_cases(
    caller: Admin,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    program_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
    status: CaseStatus | None = None,
) -> Response:
    """At-risk cases of the organization, oldest first (admins)"""
    return page_response(
        *await case_queries.cases(
            db,
            caller=caller,
            program_id=program_id,
            match_id=match_id,
            status=status,
            limit=limit,
            cursor=cursor,
        )
    )


@router.creates("/matches/{match_id}/cases", Case, 403, 404, 409)
async def open_case(match_id: uuid.UUID, caller: Admin, creation: Creation) -> Response:
    """Open a case on a pair by hand (admins; 409 when one is open)"""

    async def create(session: AsyncSession) -> Created:
        case_id = await facilitation.open_case(session, caller=caller, match_id=match_id, now=utcnow())
        document = await case_queries.case(session, caller=caller, case_id=case_id)
        return document, {"Location": f"/v1/cases/{case_id}", "ETag": f'"{document["version"]}"'}

    return await creation.run(caller=caller, create=create)


@router.reads("/cases/{case_id}", Case, 403, 404)
async def get_case(case_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A case (admins)"""
    document = await case_queries.case(db, caller=caller, case_id=case_id)
    return document_response(document, version=document["version"])


@router.patches("/cases/{case_id}", Case, 403, 404, 412, 422, 428)
async def assign_case(
    case_id: uuid.UUID, body: CaseAssignment, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Give a case an owner (admins, If-Match)"""
    async with writer.transaction() as session:
        await facilitation.assign_case(
            session, caller=caller, case_id=case_id, owner_id=body.owner_id, if_match=if_match, now=utcnow()
        )
        await session.flush()
        document = await case_queries.case(session, caller=caller, case_id=case_id)
    return document_response(document, version=document["version"])


@router.creates("/cases/{case_id}/actions", Case, 403, 404, 409, 422)
async def record_action(
    case_id: uuid.UUID,
    body: CaseActionCreate,
    caller: Admin,
    creation: Creation,
) -> Response:
    """Note an action taken on an open case (admins)"""

    async def create(session: AsyncSession) -> Created:
        await facilitation.record_action(
            session, caller=caller, case_id=case_id, kind=body.kind, note=body.note, now=utcnow()
        )
        document = await case_queries.case(session, caller=caller, case_id=case_id)
        return document, {"ETag": f'"{document["version"]}"'}

    return await creation.run(caller=caller, create=create)


@router.posts("/cases/{case_id}/closure", Case, 403, 404, 409, 412, 422, 428)
async def close_case(
    case_id: uuid.UUID, body: CaseClosure, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Close a case with its outcome (admins, If-Match); published as `case.closed`"""
    async with writer.transaction() as session:
        await facilitation.close_case(
            session,
            caller=caller,
            case_id=case_id,
            outcome=body.outcome,
            note=body.note,
            if_match=if_match,
            now=utcnow(),
        )
        document = await case_queries.case(session, caller=caller, case_id=case_id)
    return document_response(document, version=document["version"])
