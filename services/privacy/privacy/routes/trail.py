"""The organization's audit trail (admin): who changed what and when, across every service."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse

from privacy import queries
from privacy.dependencies import SettingsDep
from privacy.documents import AUDIT_COLUMNS
from privacy.models import messaging
from privacy.schemas import AuditPage
from shared.audit import record_access
from shared.dependencies import Admin, Reader, RuntimeDep, Writer
from shared.pagination import Cursor, Limit
from shared.responses import page_response, problems
from shared.routing import Routes

router = Routes("audit trail", "Who did what and when, across every service (admins)")


def _filter(
    resource_type: str | None = Query(
        default=None, max_length=100, description="e.g. person, match, session"
    ),
    resource_id: str | None = Query(default=None, max_length=200),
    actor_id: str | None = Query(default=None, max_length=200, description="Person id, subject or job name"),
    actor_type: str | None = Query(
        default=None, max_length=20, description="person, admin, integration, platform"
    ),
    service: str | None = Query(default=None, max_length=64),
    action: str | None = Query(default=None, max_length=20, description="created, updated, deleted, read"),
    since: datetime | None = Query(default=None, description="From this moment (inclusive)"),
    until: datetime | None = Query(default=None, description="Before this moment"),
) -> queries.TrailFilter:
    """The trail's filters, from the query string."""
    return queries.TrailFilter(
        resource_type=resource_type,
        resource_id=resource_id,
        actor_id=actor_id,
        actor_type=actor_type,
        service=service,
        action=action,
        since=since,
        until=until,
    )


TrailWhere = Annotated[queries.TrailFilter, Depends(_filter)]


@router.reads("/audit-entries", AuditPage, 400, 403, 422)
async def list_entries(
    caller: Admin, db: Reader, where: TrailWhere, limit: Limit = 100, cursor: Cursor = None
) -> Response:
    """The audit trail, newest first: by resource, by actor, by time range (admin)"""
    items, next_cursor = await queries.trail_page(
        db, organization=caller.organization, where=where, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return "" if value is None else value


@router.reads(
    "/audit-entries.csv",
    None,
    responses={200: {"content": {"text/csv": {}}}, **problems(403, 422)},
    response_class=Response,
)
async def export_entries(
    caller: Admin, runtime: RuntimeDep, writer: Writer, settings: SettingsDep, where: TrailWhere
) -> Response:
    """The audit trail as CSV, with the same filters (admin; the export itself is recorded)"""
    async with writer.transaction() as session:
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type="audit_trail",
            resource_id=caller.organization,
            what="csv export",
        )

    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(AUDIT_COLUMNS)
        count = 0
        # Its own session: the response streams after the request's dependencies are gone.
        async with runtime.read_sessions() as db:
            async for entry in queries.trail_rows(
                db, organization=caller.organization, where=where, max_rows=settings.audit_csv_max_rows
            ):
                out.writerow([_cell(entry[name]) for name in AUDIT_COLUMNS])
                count += 1
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )
