"""Progress pages: your own assignments, or anyone's in the organization for admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.clock import utcnow
from shared.errors import not_found
from shared.responses import document_response, problems
from training import queries
from training.dependencies import Caller, Reader
from training.schemas import PersonProgress
from training.service.progress import learner_id

router = APIRouter(prefix="/v1", tags=["progress"])


@router.get(
    "/me/training",
    response_model=PersonProgress,
    summary="Your assignments and your progress in each module",
    responses=problems(403),
)
async def my_progress(caller: Caller, db: Reader) -> Response:
    document = await queries.person_progress(
        db, organization=caller.organization, person_id=learner_id(caller), now=utcnow()
    )
    return document_response(document)


@router.get(
    "/people/{person_id}/training",
    response_model=PersonProgress,
    summary="A person's assignments and progress (themselves, or an admin of their organization); "
    "whether a reflection exists, never its text",
    responses=problems(404),
)
async def person_progress(person_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    if caller.person_id != person_id and not (
        caller.is_admin
        and await queries.person_known(db, organization=caller.organization, person_id=person_id)
    ):
        raise not_found("person")
    document = await queries.person_progress(
        db, organization=caller.organization, person_id=person_id, now=utcnow()
    )
    return document_response(document)
