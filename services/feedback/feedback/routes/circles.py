"""Circles: each member's feedback on the circle sessions they attended, and a circle's health for
its facilitators and admins."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback.schemas import CircleFeedbackCreate, CircleFeedbackOut, CircleHealthOut
from feedback.service import circles
from shared.clock import utcnow
from shared.dependencies import Caller, Creation, Reader
from shared.responses import Created, document_response
from shared.routing import Routes

router = Routes("circles", "Members' feedback on circle sessions, and a circle's health")


@router.creates("/circles/{circle_id}/feedback", CircleFeedbackOut, 403, 404, 409)
async def submit_circle_feedback(
    circle_id: uuid.UUID,
    body: CircleFeedbackCreate,
    caller: Caller,
    creation: Creation,
) -> Response:
    """Rate a circle session you attended (once); your note stays private to you"""

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

    return await creation.run(caller=caller, create=create)


@router.reads("/circles/{circle_id}/health", CircleHealthOut, 403, 404)
async def get_circle_health(circle_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A circle's health (0-100) from its members' feedback and sessions (facilitators, admins)"""
    circle, health = await circles.circle_health(db, caller=caller, circle_id=circle_id, now=utcnow())
    return document_response(circles.health_document(circle, health))
