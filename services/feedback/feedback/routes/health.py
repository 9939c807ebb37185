"""Match health (admin): a match's score with its explained components; matches at risk."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from feedback import queries
from feedback.dependencies import Admin, Reader
from feedback.schemas import AtRiskPage, MatchHealth
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["match health"])


@router.get(
    "/matches/{match_id}/health",
    response_model=MatchHealth,
    summary="A match's health: 0-100 and each component's score, weight and explanation (admin)",
    responses=problems(403, 404),
)
async def get_health(match_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    document = await queries.health_for(db, organization=caller.organization, match_id=match_id)
    if document is None:
        raise not_found("match health")
    return document_response(document)


@router.get(
    "/programs/{program_id}/at-risk",
    response_model=AtRiskPage,
    summary="Matches of a program at risk, longest first, with the reasons (admin)",
    responses=problems(400, 403),
)
async def list_at_risk(
    program_id: uuid.UUID, caller: Admin, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    items, next_cursor = await queries.list_at_risk(
        db, organization=caller.organization, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)
