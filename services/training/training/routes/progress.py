"""Progress pages: your own assignments, or anyone's in the organization for admins."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.dependencies import Caller, Reader
from shared.errors import not_found
from shared.responses import document_response
from shared.routing import Routes
from training import queries
from training.schemas import PersonProgress
from training.service.progress import learner_id

router = Routes("progress", "Assignments and progress: your own, or anyone's for admins")


@router.reads("/me/training", PersonProgress, 403)
async def my_progress(caller: Caller, db: Reader) -> Response:
    """Your assignments and your progress in each module"""
    document = await queries.person_progress(
        db, organization=caller.organization, person_id=learner_id(caller), now=utcnow()
    )
    return document_response(document)


@router.reads("/people/{person_id}/training", PersonProgress, 404)
async def person_progress(person_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A person's assignments and progress (themselves, or an admin of their organization); whether a
    reflection exists, never its text
    """
    if caller.person_id != person_id and not (
        caller.is_admin
        and await queries.person_known(db, organization=caller.organization, person_id=person_id)
    ):
        raise not_found("person")
    document = await queries.person_progress(
        db, organization=caller.organization, person_id=person_id, now=utcnow()
    )
    return document_response(document)
