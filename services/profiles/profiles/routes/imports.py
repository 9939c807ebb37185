"""Bulk imports of people from an HR export (admins and the HR integration)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from profiles import queries
from profiles.dependencies import Creation, PeopleManager
from profiles.imports.job import start_import
from profiles.imports.parsing import UnreadableFile, Upload, parse_csv, parse_json
from profiles.schemas import ImportJob, ImportPage
from shared.dependencies import Paging, Reader
from shared.errors import Problem
from shared.responses import Created, document_response, found, problems
from shared.routing import Routes

router = Routes("imports", "Bulk loads of people from HR exports, run as jobs")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_CSV = ("text/csv", "application/csv", "text/plain")
_JSON = ("application/json",)


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _parse(content: bytes, media_type: str, filename: str | None = None) -> tuple[Upload, str]:
    if media_type in _JSON or (filename or "").lower().endswith(".json"):
        return parse_json(content), "json"
    if media_type in _CSV or (filename or "").lower().endswith(".csv"):
        return parse_csv(content), "csv"
    raise Problem(
        415, "upload a CSV (text/csv) or JSON (application/json) file", slug="unsupported-media-type"
    )


async def _upload(request: Request) -> tuple[Upload, str]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise Problem(413, f"files are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    media_type = _media_type(request.headers.get("content-type"))
    # Read first: the idempotency fingerprint reads the body again, which a parsed form consumed.
    content = await request.body()
    if len(content) > MAX_UPLOAD_BYTES:
        raise Problem(413, f"files are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    try:
        if media_type == "multipart/form-data":
            form = await request.form()
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise Problem(422, "send the file in a form field named `file`")
            return _parse(await file.read(), _media_type(file.content_type), file.filename)
        return _parse(content, media_type)
    except UnreadableFile as exc:
        raise Problem(422, str(exc), slug="unreadable-file") from exc


@router.creates(
    "/imports/people",
    ImportJob,
    responses=problems(403, 409)
    | {413: {"description": "File too large"}, 415: {"description": "Not CSV or JSON"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def import_people(
    request: Request,
    caller: PeopleManager,
    creation: Creation,
    dry_run: Annotated[bool, Query(description="Report what would happen, per row, without writing")] = False,
) -> Response:
    """Import people from an HR export (CSV or JSON); runs as a job, see its progress at Location"""
    upload, file_format = await _upload(request)

    async def create(session: AsyncSession) -> Created:
        job = await start_import(
            session, caller=caller, upload=upload, file_format=file_format, dry_run=dry_run
        )
        return job, {"Location": f"/v1/imports/{job['id']}"}

    return await creation.run(caller=caller, create=create)


# Before `/imports/{import_id}`, which would otherwise take `people` for an import id.
@router.reads("/imports/people", ImportPage, 400, 403)
async def list_imports(caller: PeopleManager, db: Reader, paging: Paging) -> Response:
    """The organization's imports of people, newest first (progress and results)"""
    return await paging.answer(queries.list_imports, db, organization=caller.organization)


@router.reads("/imports/{import_id}", ImportJob, 403, 404)
async def get_import(import_id: uuid.UUID, caller: PeopleManager, db: Reader) -> Response:
    """An import's progress and result (per-row errors by row number)"""
    job = found(await queries.import_for(db, organization=caller.organization, import_id=import_id), "import")
    return document_response(job)
