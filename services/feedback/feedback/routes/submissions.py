"""Submissions: answers as each viewer may see them (private text only ever to its author)."""

from __future__ import annotations

import uuid

from fastapi import Response

from feedback import queries
from feedback.models import messaging
from feedback.schemas import Submission, SubmissionPage
from shared.audit import record_access
from shared.dependencies import Caller, Reader, Writer
from shared.pagination import Cursor, Limit
from shared.responses import document_response, found, page_response
from shared.routing import Routes

router = Routes("submissions", "Answers, as each viewer may see them")


@router.reads("/submissions/{submission_id}", Submission, 404)
async def get_submission(submission_id: uuid.UUID, caller: Caller, db: Reader, writer: Writer) -> Response:
    """A submission: all of it for its author, shared text for the other participant, numbers and shared text
    for admins
    """
    document = found(
        await queries.submission_for(db, caller=caller, submission_id=submission_id), "submission"
    )
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


@router.reads("/matches/{match_id}/submissions", SubmissionPage, 400, 404)
async def list_match_submissions(
    match_id: uuid.UUID, caller: Caller, db: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Response:
    """Submissions about a match (its participants and admins), each as the caller may see it"""
    page = found(
        await queries.list_match_submissions(
            db, caller=caller, match_id=match_id, limit=limit, cursor=cursor
        ),
        "match",
    )
    return page_response(*page)
