"""Outcome exports: every report table as JSON or CSV and documented, a chart per measure (SVG),
and the daily CSV snapshots BI tools load on a schedule (admins and integrations)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import Response

from feedback.dependencies import SettingsDep, SnapshotReader
from feedback.outcomes import queries
from feedback.outcomes.charts import measure_chart
from feedback.outcomes.measures import CATALOG, Measure
from feedback.outcomes.schemas import SnapshotIndex, TableDocs, TableRows
from feedback.outcomes.tables import TABLES, TableName, table_csv, table_document
from shared.dependencies import Admin, Reader
from shared.responses import document_response, found, problems
from shared.routing import Routes

router = Routes(
    "outcome exports", "Report tables as JSON and CSV, charts, daily snapshots", prefix="/v1/outcomes"
)

_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.reads("/tables", TableDocs, 403)
async def list_tables(caller: SnapshotReader) -> Response:
    """The report's tables and the meaning of every column (a stable contract)"""
    return document_response({"tables": [table_document(table) for table in TABLES.values()]})


@router.reads("/tables/{table}.csv", None, responses={**_CSV, **problems(403, 422)}, response_class=Response)
async def get_table_csv(
    table: TableName, caller: Admin, db: Reader, program_id: uuid.UUID | None = None
) -> Response:
    """One table of the organization's report as CSV (admin)"""
    rows = await queries.table_rows(db, organization=caller.organization, table=table, program_id=program_id)
    return _csv_response(table_csv(TABLES[table], rows), f"outcomes-{table.value}.csv")


@router.reads("/tables/{table}", TableRows, 403, 422)
async def get_table(
    table: TableName, caller: Admin, db: Reader, program_id: uuid.UUID | None = None
) -> Response:
    """One table of the organization's report as JSON (admin)"""
    rows = await queries.table_rows(db, organization=caller.organization, table=table, program_id=program_id)
    state = await queries.report_state(db, organization=caller.organization)
    return document_response(
        {"table": table.value, "computed_at": state["computed_at"] if state else None, "rows": rows}
    )


@router.reads(
    "/charts/{measure}.svg",
    None,
    responses={200: {"content": {"image/svg+xml": {}}}, **problems(403, 422)},
    response_class=Response,
)
async def get_chart(measure: Measure, caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """A measure for the organization and each program, with intervals (SVG, admin)"""
    rows = [
        row
        for row in await queries.table_rows(db, organization=caller.organization, table=TableName.OUTCOMES)
        if row["measure"] == measure.value
    ]
    svg = measure_chart(CATALOG[measure], rows, confidence=settings.outcomes_confidence)
    return Response(svg, media_type="image/svg+xml")


@router.reads("/snapshots", SnapshotIndex, 403)
async def list_snapshots(caller: SnapshotReader, db: Reader, settings: SettingsDep) -> Response:
    """The daily snapshots kept, newest first, and the columns of every table (admin, integration)"""
    return document_response(
        {
            "keep_days": settings.outcomes_snapshot_keep_days,
            "snapshots": await queries.snapshot_days(db, organization=caller.organization),
            "tables": [table_document(table) for table in TABLES.values()],
        }
    )


@router.reads(
    "/snapshots/{day}/{table}.csv",
    None,
    responses={**_CSV, **problems(403, 404, 422)},
    response_class=Response,
)
async def get_snapshot(day: date, table: TableName, caller: SnapshotReader, db: Reader) -> Response:
    """One table of the report as it stood on a day, as CSV (admin, integration)

    Taken once a day by the worker and never changed afterwards; kept `OUTCOMES_SNAPSHOT_KEEP_DAYS` days.
    The columns are those of `GET /v1/outcomes/tables`.
    """
    text = found(
        await queries.snapshot_csv(db, organization=caller.organization, day=day, table=table), "snapshot"
    )
    return _csv_response(text, f"outcomes-{table.value}-{day.isoformat()}.csv")
