"""Outcomes across programs (admins): the organization dashboard, a program's outcomes, and
asking for fresh figures. Reports are computed by the worker (`outcomes.jobs`) and read here."""

from __future__ import annotations

import uuid

from fastapi import Response

from feedback.dependencies import SettingsDep
from feedback.outcomes import queries
from feedback.outcomes.group_settings import group_settings_for, report_rules
from feedback.outcomes.jobs import request_recompute
from feedback.outcomes.report import empty_report
from feedback.outcomes.schemas import Dashboard, ProgramOutcomes, RecomputeRequested
from shared.clock import utcnow
from shared.dependencies import Admin, Reader, Writer
from shared.responses import document_response, found
from shared.routing import Routes

router = Routes(
    "outcomes",
    "Outcomes across programs against comparison groups, organization dashboard (admins)",
    prefix="/v1/outcomes",
)


@router.reads("/dashboard", Dashboard, 403)
async def get_dashboard(caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """The organization across all programs: activity, outcomes against comparison groups, programs needing
    attention (admin)

    Every figure carries how it was computed (`how`: definition, period, group sizes, method). Figures
    from fewer people than the minimum are `not_enough_data`, never a number. The report is recomputed by
    the worker when the history changes; `computed_at` says when.
    """
    stored = await queries.dashboard_json(db, organization=caller.organization)
    if stored is not None:
        return Response(stored, media_type="application/json")
    group = await group_settings_for(db, organization=caller.organization, settings=settings)
    report = empty_report(caller.organization, as_of=utcnow().date(), rules=report_rules(group, settings))
    return document_response(report.dashboard)


@router.reads("/programs/{program_id}", ProgramOutcomes, 403, 404)
async def get_program_outcomes(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A program's outcomes: every measure, groups, cohorts, trend and attention (admin)"""
    document = found(
        await queries.program_report(db, organization=caller.organization, program_id=program_id), "program"
    )
    return document_response(document)


@router.posts("/recompute", RecomputeRequested, 403, status_code=202)
async def recompute(caller: Admin, writer: Writer) -> Response:
    """Recompute the organization's outcome report now, in the worker (admin)"""
    async with writer.transaction() as session:
        requested = await request_recompute(session, organization=caller.organization, now=utcnow())
        state = await queries.report_state(session, organization=caller.organization)
    return document_response(
        {
            "organization": caller.organization,
            "requested": requested,
            "computed_at": state["computed_at"] if state else None,
        },
        status_code=202,
    )
