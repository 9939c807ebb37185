"""Program reports (admins): completion, overdue people and knowledge-check scores, per module."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.contracts.profiles import EnrollmentRole
from shared.dependencies import Admin, Reader
from shared.pagination import Cursor, Limit
from shared.responses import document_response, found, page_response
from shared.routing import Routes
from training import queries
from training.schemas import OverduePage, ProgramReport

router = Routes("reports", "Completion, overdue people and scores per program (admins)")


@router.reads("/programs/{program_id}/training-report", ProgramReport, 403, 404)
async def program_report(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """Completion rate, overdue count and average score per role, and per module (admin)"""
    report = found(
        await queries.program_report(
            db, organization=caller.organization, program_id=program_id, now=utcnow()
        ),
        "program",
    )
    return document_response(report)


@router.reads("/programs/{program_id}/training-report/overdue", OverduePage, 400, 403, 404)
async def overdue_people(
    program_id: uuid.UUID,
    caller: Admin,
    db: Reader,
    role: EnrollmentRole | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """People whose course is overdue, longest overdue first (admin)"""
    await queries.program_visible(db, organization=caller.organization, program_id=program_id)
    page = await queries.overdue_page(
        db,
        program_id=program_id,
        role=role.value if role else None,
        now=utcnow(),
        limit=limit,
        cursor=cursor,
    )
    return page_response(*page)
