"""A program as its admins see it: goal attainment and goals at risk (no notes, no messages)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.clock import utcnow
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems
from workspace.dependencies import Admin, Reader
from workspace.queries import programs as program_queries
from workspace.schemas import AtRiskGoalPage, GoalAttainment

router = APIRouter(prefix="/v1", tags=["programs"])


@router.get(
    "/programs/{program_id}/goal-attainment",
    response_model=GoalAttainment,
    summary="Share of goals completed by their target date, by status, guidance kind and skill (admins)",
    responses=problems(403, 404),
)
async def goal_attainment(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    document = await program_queries.goal_attainment(
        db, caller=caller, program_id=program_id, today=utcnow().date()
    )
    return document_response(document)


@router.get(
    "/programs/{program_id}/at-risk-goals",
    response_model=AtRiskGoalPage,
    summary="Goals marked at risk, or open past their target date (admins)",
    responses=problems(400, 403, 404),
)
async def at_risk_goals(
    program_id: uuid.UUID, caller: Admin, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    items, next_cursor = await program_queries.at_risk_goals(
        db, caller=caller, program_id=program_id, today=utcnow().date(), limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)
