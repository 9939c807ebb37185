"""Erasures of deactivated people across every service: ask, follow, see what is still pending."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response

from privacy import queries
from privacy.dependencies import Caller, Reader, Writer
from privacy.schemas import ErasureOut, ErasurePage, ErasureRequest, ErasureStatus
from privacy.service import erasures
from shared.clock import utcnow
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["erasures"])


@router.post(
    "/erasures",
    status_code=202,
    response_model=ErasureOut,
    summary="Erase a deactivated person everywhere (admin; an integration only if the organization "
    "allows it). Asking again answers the same erasure (200)",
    responses={
        **problems(403, 404, 409, 422),
        200: {"description": "The person's erasure already existed", "model": ErasureOut},
    },
)
async def request_erasure(body: ErasureRequest, caller: Caller, writer: Writer) -> Response:
    async with writer.transaction() as session:
        erasure, created = await erasures.request_erasure(
            session, caller=caller, person_id=body.person_id, now=utcnow()
        )
        document = await queries.erasure_document_of(session, caller=caller, erasure=erasure)
    return document_response(
        document, status_code=202 if created else 200, headers={"Location": f"/v1/erasures/{erasure.id}"}
    )


@router.get(
    "/erasures",
    response_model=ErasurePage,
    summary="The organization's erasures, newest first; `status=pending` lists those some service "
    "has not confirmed yet, and which",
    responses=problems(400, 403),
)
async def list_erasures(
    caller: Caller,
    db: Reader,
    status: ErasureStatus | None = Query(default=None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    items, next_cursor = await queries.erasures_page(
        db, caller=caller, status=status.value if status else None, limit=limit, cursor=cursor
    )
    return page_response(items, next_cursor)


@router.get(
    "/erasures/{erasure_id}",
    response_model=ErasureOut,
    summary="An erasure: which services confirmed (and what they erased), which are missing",
    responses=problems(403, 404),
)
async def get_erasure(erasure_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    return document_response(await queries.erasure_of(db, caller=caller, erasure_id=erasure_id))
