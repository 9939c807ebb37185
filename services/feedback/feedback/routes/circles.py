"""Circles: each member's feedback on the circle sessions they attended, and a circle's health for
its facilitators and admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.dependencies import Caller, Reader, Writer
from feedback.schemas import CircleFeedbackCreate, CircleFeedbackOut, CircleHealthOut
from feedback.service import circles
from shared.clock import utcnow
from shared.concurrency import IdempotencyKey
from shared.responses import Created, document_response, problems

router = APIRouter(prefix="/v1", tags=["circles"])


@router.post(
    "/circles/{circle_id}/feedback",
    status_code=201,
    response_model=CircleFeedbackOut,
    summary="Rate a circle session you attended (once); your note stays private to you",
    responses=problems(403, 404, 409),
)
async def submit_circle_feedback(
    circle_id: uuid.UUID,
    body: CircleFeedbackCreate,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        feedback = await circles.submit_circle_feedback(
            session,
            caller=caller,
            circle_id=circle_id,
            session_id=body.session_id,
            rating=body.rating,
            belonging=body.belonging,
            note=body.note,
            now=utcnow(),
        )
        document = {
            **feedback.model_dump(exclude={"organization", "program_id"}),
            "note": body.note,
        }
        return document, {"Location": f"/v1/circles/{circle_id}/feedback/{feedback.id}"}

    return await writer.create_idempotently(caller=caller, key=idempotency_key, create=create)


@router.get(
    "/circles/{circle_id}/health",
    response_model=CircleHealthOut,
    summary="A circle's health (0-100) from its members' feedback and sessions (facilitators, admins)",
    responses=problems(403, 404),
)
async def get_circle_health(circle_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    circle, health = await circles.circle_health(db, caller=caller, circle_id=circle_id, now=utcnow())
    return document_response(circles.health_document(circle, health))
