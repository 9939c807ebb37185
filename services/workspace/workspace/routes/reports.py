"""Reported messages, as the program's admins see them: the report, the message as reported, and a
few messages around it, nothing else of the conversation."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response
from shared.routing import Routes
from workspace.dependencies import SettingsDep
from workspace.models import ReportStatus
from workspace.queries import messages as message_queries
from workspace.schemas import Report, ReportedMessage, ReportPage, ReportResolution
from workspace.service import messages

router = Routes("message reports", "Reported messages, as the program's admins see them")


@router.reads("/message-reports", ReportPage, 400, 403)
async def list_reports(
    caller: Admin,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    program_id: uuid.UUID | None = None,
    status: ReportStatus | None = None,
) -> Response:
    """Reported messages of the organization, oldest first (admins)"""
    return page_response(
        *await message_queries.reports_page(
            db, caller=caller, program_id=program_id, status=status, limit=limit, cursor=cursor
        )
    )


@router.reads("/message-reports/{report_id}", ReportedMessage, 403, 404)
async def get_report(report_id: uuid.UUID, caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """A report with the message as reported and the messages around it (admins)"""
    document = await message_queries.reported_message(
        db, caller=caller, report_id=report_id, context=settings.report_context_messages
    )
    return document_response(document, version=document["report"]["version"])


@router.posts("/message-reports/{report_id}/resolution", Report, 403, 404, 409, 412, 422, 428)
async def resolve_report(
    report_id: uuid.UUID, body: ReportResolution, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Resolve a report (admins, If-Match)"""
    async with writer.transaction() as session:
        await messages.resolve_report(
            session,
            caller=caller,
            report_id=report_id,
            resolution=body.resolution,
            if_match=if_match,
            now=utcnow(),
        )
        document = await message_queries.report(session, caller=caller, report_id=report_id)
    return document_response(document, version=document["version"])
