"""Daily snapshots of an organization's outcome report: one CSV per table and day, kept
`outcomes_snapshot_keep_days` days, for BI tools that load files on a schedule.

A day's snapshot is the report as it stood when the day's snapshot was first taken (after the
last recompute); it never changes afterwards, so a load job that runs twice gets the same file.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.models import OUTCOME_REPORTS, OUTCOME_ROWS, OUTCOME_SNAPSHOTS
from feedback.outcomes.tables import TABLES, table_csv


async def take_snapshot(session: AsyncSession, *, organization: str, day: date, now: datetime) -> int:
    """Store the day's CSV of every table of the organization's report (none twice); how many."""
    taken = await session.scalar(
        select(OUTCOME_SNAPSHOTS.c.table_name)
        .where(OUTCOME_SNAPSHOTS.c.organization == organization, OUTCOME_SNAPSHOTS.c.snapshot_date == day)
        .limit(1)
    )
    if taken is not None:
        return 0
    stored = 0
    for name, table in TABLES.items():
        rows = (
            await session.scalars(
                select(OUTCOME_ROWS.c.row)
                .where(OUTCOME_ROWS.c.organization == organization, OUTCOME_ROWS.c.table_name == name.value)
                .order_by(OUTCOME_ROWS.c.position)
            )
        ).all()
        result = await session.execute(
            insert(OUTCOME_SNAPSHOTS)
            .values(
                organization=organization,
                snapshot_date=day,
                table_name=name.value,
                rows=len(rows),
                csv=table_csv(table, rows),
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(OUTCOME_SNAPSHOTS.c.table_name)
        )
        stored += result.first() is not None
    return stored


async def snapshot_reports(session: AsyncSession, *, now: datetime, keep_days: int) -> int:
    """Take today's snapshot of every organization with a report, and drop those past `keep_days`."""
    day = now.date()
    organizations = (await session.scalars(select(OUTCOME_REPORTS.c.organization))).all()
    stored = 0
    for organization in organizations:
        stored += await take_snapshot(session, organization=organization, day=day, now=now)
    await session.execute(
        delete(OUTCOME_SNAPSHOTS).where(
            OUTCOME_SNAPSHOTS.c.snapshot_date < day - timedelta(days=keep_days - 1)
        )
    )
    return stored
