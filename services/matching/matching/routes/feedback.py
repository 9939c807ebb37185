"""Ratings of matches from the feedback service, with the score each match had (admins, calibration)."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from matching import queries
from matching.documents import rating_document
from matching.schemas import RatedMatchPage
from shared.dependencies import Admin, Reader
from shared.pagination import Cursor, Limit
from shared.responses import page_response
from shared.routing import Routes

router = Routes("feedback", "Ratings of matches next to their scores, for calibration (admins)")


@router.reads("/programs/{program_id}/ratings", RatedMatchPage, 404)
async def list_ratings(
    program_id: uuid.UUID, caller: Admin, reader: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Ratings of the program's matches next to their score breakdowns (to calibrate weights)"""
    page, next_cursor = await queries.list_ratings(
        reader, caller=caller, program_id=program_id, limit=limit, cursor=cursor
    )
    return page_response([rating_document(row) for row in page], next_cursor)
