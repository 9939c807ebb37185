"""Erasures of deactivated people across every service: ask, follow, see what is still pending."""

from __future__ import annotations

import uuid

from fastapi import Query, Response

from privacy import queries
from privacy.schemas import ErasureOut, ErasurePage, ErasureRequest, ErasureStatus
from privacy.service import erasures
from shared.clock import utcnow
from shared.dependencies import Caller, Paging, Reader, Writer
from shared.responses import document_response, problems
from shared.routing import Routes

router = Routes("erasures", "Erasing a deactivated person everywhere")


@router.posts(
    "/erasures",
    ErasureOut,
    status_code=202,
    responses={
        **problems(403, 404, 409, 422),
        200: {"description": "The person's erasure already existed", "model": ErasureOut},
    },
)
async def request_erasure(body: ErasureRequest, caller: Caller, writer: Writer) -> Response:
    """Erase a deactivated person everywhere (admin; an integration only if the organization allows it).
    Asking again answers the same erasure (200)
    """
    async with writer.transaction() as session:
        erasure, created = await erasures.request_erasure(
            session, caller=caller, person_id=body.person_id, now=utcnow()
        )
        document = await queries.erasure_document_of(session, caller=caller, erasure=erasure)
    return document_response(
        document, status_code=202 if created else 200, headers={"Location": f"/v1/erasures/{erasure.id}"}
    )


@router.reads("/erasures", ErasurePage, 400, 403)
async def list_erasures(
    caller: Caller,
    db: Reader,
    paging: Paging,
    status: ErasureStatus | None = Query(default=None),
) -> Response:
    """The organization's erasures, newest first; `status=pending` lists those some service has not confirmed
    yet, and which
    """
    return await paging.answer(
        queries.erasures_page, db, caller=caller, status=status.value if status else None
    )


@router.reads("/erasures/{erasure_id}", ErasureOut, 403, 404)
async def get_erasure(erasure_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """An erasure: which services confirmed (and what they erased), which are missing"""
    return document_response(await queries.erasure_of(db, caller=caller, erasure_id=erasure_id))
