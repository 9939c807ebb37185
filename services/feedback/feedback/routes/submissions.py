"""Submissions: answers as each viewer may see them (private text only ever to its author)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from feedback import queries
from feedback.dependencies import Caller, Reader, Writer
from feedback.models import messaging
from feedback.schemas import Submission, SubmissionPage
from shared.audit import record_access
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["submissions"])


@router.get(
    "/submissions/{submission_id}",
    response_model=Submission,
    summary="A submission: all of it for its author, shared text for the other participant, "
    "numbers and shared text for admins",
    responses=problems(404),
)
async def get_submission(submission_id: uuid.UUID, caller: Caller, db: Reader, writer: Writer) -> Response:
    document = await queries.submission_for(db, caller=caller, submission_id=submission_id)
    if document is None:
        raise not_found("submission")
    if any(note["private"] for note in document["notes"]):
        # Private feedback read by its author: in the audit trail (what was read, never the text).
        async with writer.transaction() as session:
            await record_access(
                session,
                messaging.audit,
                organization=caller.organization,
                resource_type="submission",
                resource_id=str(submission_id),
                what="private feedback",
            )
    return document_response(document)


@router.get(
    "/matches/{match_id}/submissions",
    response_model=SubmissionPage,
    summary="Submissions about a match (its participants and admins), each as the caller may see it",
    responses=problems(400, 404),
)
async def list_match_submissions(
    match_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    page = await queries.list_match_submissions(
        db, caller=caller, match_id=match_id, limit=limit, cursor=cursor
    )
    if page is None:
        raise not_found("match")
    return page_response(*page)
