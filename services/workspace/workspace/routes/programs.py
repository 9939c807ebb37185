"""A program as its admins see it: goal attainment and goals at risk (no notes, no messages)."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.dependencies import Admin, Paging, Reader
from shared.responses import document_response
from shared.routing import Routes
from workspace.queries import programs as program_queries
from workspace.schemas import AtRiskGoalPage, GoalAttainment

router = Routes("programs", "Goal attainment and goals at risk of a program (admins)")


@router.reads("/programs/{program_id}/goal-attainment", GoalAttainment, 403, 404)
async def goal_attainment(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """Share of goals completed by their target date, by status, guidance kind and skill (admins)"""
    document = await program_queries.goal_attainment(
        db, caller=caller, program_id=program_id, today=utcnow().date()
    )
    return document_response(document)


@router.reads("/programs/{program_id}/at-risk-goals", AtRiskGoalPage, 400, 403, 404)
async def at_risk_goals(program_id: uuid.UUID, caller: Admin, db: Reader, paging: Paging) -> Response:
    """Goals marked at risk, or open past their target date (admins)"""
    return await paging.answer(
        program_queries.at_risk_goals, db, caller=caller, program_id=program_id, today=utcnow().date()
    )
