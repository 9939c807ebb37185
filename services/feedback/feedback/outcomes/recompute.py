"""Recomputing an organization's outcome report from its stored history (a use case of the
worker's jobs, and of an admin asking for fresh figures).

The history is read in one REPEATABLE READ snapshot (every figure describes the same moment), the
report is computed off the event loop (numpy, a thread), and written in one transaction: the
dashboard document and every table's rows replace the previous ones at once, so a reader sees
either the old report or the new one. Recomputing an organization twice at once is serialized
by an advisory lock; the later write wins, and both describe a history at least as new as the
request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feedback.config import FeedbackSettings
from feedback.models import OUTCOME_REPORTS, OUTCOME_ROWS, PROGRAMS
from feedback.outcomes.group_settings import group_settings_for, report_rules
from feedback.outcomes.report import Report, build_report
from feedback.outcomes.sources import fingerprint, load_history
from shared.clock import utcnow
from shared.db import transaction
from shared.locks import advisory_lock
from shared.responses import json_ready

INSERT_BATCH = 2000


@dataclass(frozen=True)
class Recomputed:
    organization: str
    seconds: float
    people: int
    rows: int


async def recompute_report(
    sessions: async_sessionmaker[AsyncSession], *, organization: str, settings: FeedbackSettings
) -> Recomputed:
    """Compute the organization's report from its history as of now, and store it."""
    started = time.perf_counter()
    now = utcnow()
    async with sessions() as session:
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        # Compiling these one-off scans and aggregations (JIT) costs seconds and saves less.
        await session.execute(text("SET LOCAL jit = off"))
        digest = await fingerprint(session, organization=organization)
        rules = report_rules(
            await group_settings_for(session, organization=organization, settings=settings), settings
        )
        history = await load_history(session, organization=organization, now=now)
        await session.rollback()
    report = await asyncio.to_thread(build_report, history, rules, computed_at=now)
    seconds = time.perf_counter() - started
    async with transaction(sessions) as session:
        await advisory_lock(session, f"feedback.outcomes.{organization}")
        rows = await _store(session, organization=organization, report=report, digest=digest, seconds=seconds)
    return Recomputed(organization, round(time.perf_counter() - started, 3), history.careers.size, rows)


async def _store(
    session: AsyncSession, *, organization: str, report: Report, digest: str, seconds: float
) -> int:
    await session.execute(delete(OUTCOME_ROWS).where(OUTCOME_ROWS.c.organization == organization))
    rows = [
        {
            "organization": organization,
            "table_name": name.value,
            "position": position,
            "program_id": row.get("program_id"),
            "row": json_ready(row),
        }
        for name, table_rows in report.tables.items()
        for position, row in enumerate(table_rows)
    ]
    for first in range(0, len(rows), INSERT_BATCH):
        await session.execute(insert(OUTCOME_ROWS), rows[first : first + INSERT_BATCH])
    dashboard = report.dashboard
    values = {
        "computed_at": dashboard["computed_at"],
        "as_of": dashboard["as_of"],
        "seconds": round(seconds, 3),
        "fingerprint": digest,
        "dashboard": json_ready(dashboard),
    }
    statement = insert(OUTCOME_REPORTS).values(organization=organization, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[OUTCOME_REPORTS.c.organization], set_=values)
    )
    return len(rows)


async def stale_organizations(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, settings: FeedbackSettings
) -> list[str]:
    """Organizations whose history changed since their report, or whose report is older than
    `outcomes_max_age_seconds` (or that have none yet)."""
    async with sessions() as session:
        organizations = (await session.scalars(select(PROGRAMS.c.organization).distinct())).all()
        stored = {
            row.organization: row
            for row in await session.execute(
                select(
                    OUTCOME_REPORTS.c.organization,
                    OUTCOME_REPORTS.c.fingerprint,
                    OUTCOME_REPORTS.c.computed_at,
                )
            )
        }
        oldest = now - timedelta(seconds=settings.outcomes_max_age_seconds)
        stale = []
        for organization in sorted(organizations):
            report = stored.get(organization)
            if (
                report is None
                or report.computed_at < oldest
                or report.fingerprint != await fingerprint(session, organization=organization)
            ):
                stale.append(organization)
        return stale
