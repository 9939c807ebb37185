"""Reads of the outcome API: the stored report of the caller's organization (never computed on a
request), its tables, a program's part of it, and the daily snapshots."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.models import OUTCOME_REPORTS, OUTCOME_ROWS, OUTCOME_SNAPSHOTS, PROGRAMS
from feedback.outcomes.documents import figure_document
from feedback.outcomes.measures import headlines
from feedback.outcomes.tables import TableName

Document = dict[str, Any]


async def dashboard_json(db: AsyncSession, *, organization: str) -> str | None:
    """The organization's dashboard as stored (JSON text, served as it is), if computed yet."""
    return await db.scalar(
        select(cast(OUTCOME_REPORTS.c.dashboard, Text)).where(OUTCOME_REPORTS.c.organization == organization)
    )


async def report_state(db: AsyncSession, *, organization: str) -> Document | None:
    """When the organization's report was computed, for which day, and how long it took."""
    row = (
        await db.execute(
            select(OUTCOME_REPORTS.c.computed_at, OUTCOME_REPORTS.c.as_of, OUTCOME_REPORTS.c.seconds).where(
                OUTCOME_REPORTS.c.organization == organization
            )
        )
    ).first()
    return None if row is None else dict(row._mapping)


async def table_rows(
    db: AsyncSession, *, organization: str, table: TableName, program_id: uuid.UUID | None = None
) -> list[Document]:
    """The rows of one table of the organization's report, in the report's order."""
    query = select(OUTCOME_ROWS.c.row).where(
        OUTCOME_ROWS.c.organization == organization, OUTCOME_ROWS.c.table_name == table.value
    )
    if program_id is not None:
        query = query.where(OUTCOME_ROWS.c.program_id == program_id)
    return list((await db.scalars(query.order_by(OUTCOME_ROWS.c.position))).all())


async def program_report(db: AsyncSession, *, organization: str, program_id: uuid.UUID) -> Document | None:
    """A program's part of the report (None when the organization has no such program)."""
    program = (
        await db.execute(
            select(PROGRAMS.c.id, PROGRAMS.c.name, PROGRAMS.c.objective).where(
                PROGRAMS.c.id == program_id, PROGRAMS.c.organization == organization
            )
        )
    ).first()
    if program is None:
        return None
    tables: dict[str, list[Document]] = defaultdict(list)
    for name, row in await db.execute(
        select(OUTCOME_ROWS.c.table_name, OUTCOME_ROWS.c.row)
        .where(OUTCOME_ROWS.c.organization == organization, OUTCOME_ROWS.c.program_id == program_id)
        .order_by(OUTCOME_ROWS.c.table_name, OUTCOME_ROWS.c.position)
    ):
        tables[name].append(row)
    series = {row["series"] for row in tables[TableName.COHORTS.value]}
    cohorts = [
        row
        for row in await table_rows(db, organization=organization, table=TableName.COHORTS)
        if row["series"] in series
    ]
    outcomes = tables[TableName.OUTCOMES.value]
    featured = {measure.value for measure in headlines(program.objective)}
    state = await report_state(db, organization=organization)
    return {
        "program_id": program.id,
        "program_name": program.name,
        "objective": program.objective,
        "computed_at": state["computed_at"] if state else None,
        "as_of": state["as_of"] if state else None,
        "program": next(iter(tables[TableName.PROGRAMS.value]), None),
        "headlines": [figure_document(row) for row in outcomes if row["measure"] in featured],
        "outcomes": [figure_document(row) for row in outcomes],
        "groups": tables[TableName.GROUPS.value],
        "cohorts": cohorts,
        "trend": tables[TableName.TREND.value],
        "attention": tables[TableName.ATTENTION.value],
    }


async def snapshot_days(db: AsyncSession, *, organization: str) -> list[Document]:
    """The days with a snapshot, newest first, each with its tables and row counts."""
    days: dict[date, list[Document]] = defaultdict(list)
    for row in await db.execute(
        select(OUTCOME_SNAPSHOTS.c.snapshot_date, OUTCOME_SNAPSHOTS.c.table_name, OUTCOME_SNAPSHOTS.c.rows)
        .where(OUTCOME_SNAPSHOTS.c.organization == organization)
        .order_by(OUTCOME_SNAPSHOTS.c.snapshot_date.desc(), OUTCOME_SNAPSHOTS.c.table_name)
    ):
        days[row.snapshot_date].append(
            {
                "table": row.table_name,
                "rows": row.rows,
                "csv": f"/v1/outcomes/snapshots/{row.snapshot_date.isoformat()}/{row.table_name}.csv",
            }
        )
    return [{"date": day, "tables": tables} for day, tables in days.items()]


async def snapshot_csv(db: AsyncSession, *, organization: str, day: date, table: TableName) -> str | None:
    return await db.scalar(
        select(OUTCOME_SNAPSHOTS.c.csv).where(
            OUTCOME_SNAPSHOTS.c.organization == organization,
            OUTCOME_SNAPSHOTS.c.snapshot_date == day,
            OUTCOME_SNAPSHOTS.c.table_name == table.value,
        )
    )
