"""Ratings of matches from the feedback service, with the score each match had (admins, calibration)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from matching import service
from matching.dependencies import Admin, RuntimeDep
from matching.schemas import RatedMatchOut, RatedMatchPage
from matching.web import json_response, problems
from shared.db import transaction
from shared.pagination import Cursor, Limit

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.get(
    "/programs/{program_id}/ratings",
    response_model=RatedMatchPage,
    summary="Ratings of the program's matches next to their score breakdowns (to calibrate weights)",
    responses=problems(404),
)
async def list_ratings(
    program_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        page, next_cursor = await service.list_ratings(
            session, caller=caller, program_id=program_id, limit=limit, cursor=cursor
        )
        body = RatedMatchPage(
            items=[RatedMatchOut.model_validate(row) for row in page], next_cursor=next_cursor
        )
    return json_response(body)
