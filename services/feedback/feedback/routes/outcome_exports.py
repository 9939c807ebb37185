"""Outcome exports: every report table as JSON or CSV and documented, a chart per measure (SVG),
and the daily CSV snapshots BI tools load on a schedule (admins and integrations)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Response

from feedback.dependencies import Admin, Reader, SettingsDep, SnapshotReader
from feedback.outcomes import queries
from feedback.outcomes.charts import measure_chart
from feedback.outcomes.measures import CATALOG, Measure
from feedback.outcomes.schemas import SnapshotIndex, TableDocs, TableRows
from feedback.outcomes.tables import TABLES, TableName, table_csv, table_document
from shared.errors import not_found
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1/outcomes", tags=["outcome exports"])

_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/tables",
    response_model=TableDocs,
    summary="The report's tables and the meaning of every column (a stable contract)",
    responses=problems(403),
)
async def list_tables(caller: SnapshotReader) -> Response:
    return document_response({"tables": [table_document(table) for table in TABLES.values()]})


@router.get(
    "/tables/{table}.csv",
    summary="One table of the organization's report as CSV (admin)",
    response_class=Response,
    responses={**_CSV, **problems(403, 422)},
)
async def get_table_csv(
    table: TableName, caller: Admin, db: Reader, program_id: uuid.UUID | None = None
) -> Response:
    rows = await queries.table_rows(db, organization=caller.organization, table=table, program_id=program_id)
    return _csv_response(table_csv(TABLES[table], rows), f"outcomes-{table.value}.csv")


@router.get(
    "/tables/{table}",
    response_model=TableRows,
    summary="One table of the organization's report as JSON (admin)",
    responses=problems(403, 422),
)
async def get_table(
    table: TableName, caller: Admin, db: Reader, program_id: uuid.UUID | None = None
) -> Response:
    rows = await queries.table_rows(db, organization=caller.organization, table=table, program_id=program_id)
    state = await queries.report_state(db, organization=caller.organization)
    return document_response(
        {"table": table.value, "computed_at": state["computed_at"] if state else None, "rows": rows}
    )


@router.get(
    "/charts/{measure}.svg",
    summary="A measure for the organization and each program, with intervals (SVG, admin)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **problems(403, 422)},
)
async def get_chart(measure: Measure, caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    rows = [
        row
        for row in await queries.table_rows(db, organization=caller.organization, table=TableName.OUTCOMES)
        if row["measure"] == measure.value
    ]
    svg = measure_chart(CATALOG[measure], rows, confidence=settings.outcomes_confidence)
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/snapshots",
    response_model=SnapshotIndex,
    summary="The daily snapshots kept, newest first, and the columns of every table (admin, integration)",
    responses=problems(403),
)
async def list_snapshots(caller: SnapshotReader, db: Reader, settings: SettingsDep) -> Response:
    return document_response(
        {
            "keep_days": settings.outcomes_snapshot_keep_days,
            "snapshots": await queries.snapshot_days(db, organization=caller.organization),
            "tables": [table_document(table) for table in TABLES.values()],
        }
    )


@router.get(
    "/snapshots/{day}/{table}.csv",
    summary="One table of the report as it stood on a day, as CSV (admin, integration)",
    description="Taken once a day by the worker and never changed afterwards; kept "
    "`OUTCOMES_SNAPSHOT_KEEP_DAYS` days. The columns are those of `GET /v1/outcomes/tables`.",
    response_class=Response,
    responses={**_CSV, **problems(403, 404, 422)},
)
async def get_snapshot(day: date, table: TableName, caller: SnapshotReader, db: Reader) -> Response:
    text = await queries.snapshot_csv(db, organization=caller.organization, day=day, table=table)
    if text is None:
        raise not_found("snapshot")
    return _csv_response(text, f"outcomes-{table.value}-{day.isoformat()}.csv")
