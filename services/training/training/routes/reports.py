"""Program reports (admins): completion, overdue people and knowledge-check scores, per module."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.clock import utcnow
from shared.contracts.profiles import EnrollmentRole
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from training import queries
from training.dependencies import Admin, Reader
from training.schemas import OverduePage, ProgramReport

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/programs/{program_id}/training-report",
    response_model=ProgramReport,
    summary="Completion rate, overdue count and average score per role, and per module (admin)",
    responses=problems(403, 404),
)
async def program_report(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    report = await queries.program_report(
        db, organization=caller.organization, program_id=program_id, now=utcnow()
    )
    if report is None:
        raise not_found("program")
    return document_response(report)


@router.get(
    "/programs/{program_id}/training-report/overdue",
    response_model=OverduePage,
    summary="People whose course is overdue, longest overdue first (admin)",
    responses=problems(400, 403, 404),
)
async def overdue_people(
    program_id: uuid.UUID,
    caller: Admin,
    db: Reader,
    role: EnrollmentRole | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
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
