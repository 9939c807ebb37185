"""Program analytics (admin): weekly figures over the cohort as JSON or CSV, a health chart, and
goal attainment across the organization's programs by objective."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.charts import health_chart
from feedback.dependencies import SettingsDep
from feedback.export import analytics_csv
from feedback.program_analytics import goal_attainment, program_analytics
from feedback.queries import rules_for
from feedback.schemas import GoalAttainmentReport, ProgramAnalytics
from shared.auth import Principal
from shared.clock import utcnow
from shared.dependencies import Admin, Reader
from shared.responses import document_response, found, problems
from shared.routing import Routes

router = Routes("program analytics", "Weekly figures, CSV export, health chart (admins)")


async def _analytics(db: AsyncSession, caller: Principal, program_id: uuid.UUID) -> dict[str, Any]:
    document = found(
        await program_analytics(db, organization=caller.organization, program_id=program_id, now=utcnow()),
        "program",
    )
    return document


@router.reads("/programs/{program_id}/analytics", ProgramAnalytics, 403, 404)
async def get_analytics(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A program's analytics per week over its cohort, with a summary (admin)"""
    return document_response(await _analytics(db, caller, program_id))


@router.reads(
    "/programs/{program_id}/analytics.csv",
    None,
    responses={200: {"content": {"text/csv": {}}}, **problems(403, 404)},
    response_class=Response,
)
async def get_analytics_csv(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """The weekly analytics as CSV (admin)"""
    document = await _analytics(db, caller, program_id)
    filename = f"program-{program_id}-analytics.csv"
    return Response(
        analytics_csv(document["weeks"]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.reads(
    "/programs/{program_id}/analytics/health.svg",
    None,
    responses={200: {"content": {"image/svg+xml": {}}}, **problems(403, 404)},
    response_class=Response,
)
async def get_health_chart(
    program_id: uuid.UUID, caller: Admin, db: Reader, settings: SettingsDep
) -> Response:
    """Chart of the program's match health (relationship health) by week (admin)"""
    document = await _analytics(db, caller, program_id)
    rules = await rules_for(db, program_id=program_id, settings=settings)
    svg = health_chart(document["program_name"], document["weeks"], threshold=rules.at_risk_threshold)
    return Response(svg, media_type="image/svg+xml")


@router.reads("/analytics/goal-attainment", GoalAttainmentReport, 403)
async def get_goal_attainment(caller: Admin, db: Reader, program_id: uuid.UUID | None = None) -> Response:
    """Goal attainment across the organization's programs, by objective (admin)"""
    now = utcnow()
    objectives = await goal_attainment(db, organization=caller.organization, now=now, program_id=program_id)
    return document_response({"generated_at": now, "objectives": objectives})
