"""A person's data export: ask for it, follow it, download the archive while it is kept."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import queries
from privacy.documents import Document, export_document
from privacy.models import messaging
from privacy.schemas import ExportOut, ExportRequest
from privacy.service import exports
from shared.audit import record_access
from shared.clock import utcnow
from shared.dependencies import Caller, Creation, Reader, Writer
from shared.errors import Problem
from shared.responses import document_response, problems
from shared.routing import Routes

router = Routes("exports", "A person's data, from every service, in one archive")


@router.posts("/exports", ExportOut, 403, 404, 409, 422, status_code=202)
async def request_export(body: ExportRequest, caller: Caller, creation: Creation) -> Response:
    """Ask for everything the platform holds on a person (yourself, or as an admin on their behalf): every
    service contributes its part, then the archive can be downloaded for a while
    """
    person_id = body.person_id or caller.person_id
    if person_id is None:
        raise Problem(422, "an integration must name the person (`person_id`)")

    async def create(session: AsyncSession) -> tuple[Document, dict[str, str]]:
        export = await exports.request_export(session, caller=caller, person_id=person_id, now=utcnow())
        missing = await exports.missing_parts(session, export.id)
        return export_document(export, missing=missing), {"Location": f"/v1/exports/{export.id}"}

    return await creation.run(caller=caller, create=create, status_code=202)


@router.reads("/exports/{export_id}", ExportOut, 404)
async def get_export(export_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """An export: collecting (and which services are missing), ready (until when), expired"""
    return document_response(await queries.export_document_of(db, caller=caller, export_id=export_id))


@router.reads(
    "/exports/{export_id}/archive",
    None,
    responses={
        200: {"content": {"application/zip": {}}},
        **problems(404, 409),
        410: {
            "description": "The archive expired or the person was erased (problem details)",
            "content": {"application/problem+json": {}},
        },
    },
    response_class=Response,
)
async def download_archive(export_id: uuid.UUID, caller: Caller, db: Reader, writer: Writer) -> Response:
    """Download the export: a zip with a README and one folder of JSON files per service (the download is
    recorded in the audit trail)
    """
    export = await queries.archive_of(db, caller=caller, export_id=export_id)
    async with writer.transaction() as session:
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type="export",
            resource_id=str(export.id),
            what=f"archive of person {export.person_id}",
        )
    return Response(
        export.archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{export.person_id}.zip"',
            "Cache-Control": "no-store",
        },
    )
