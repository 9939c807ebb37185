"""Feedback requests: what a participant is asked to answer, and answering it."""

from __future__ import annotations

import uuid

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import queries
from feedback.dependencies import SettingsDep
from feedback.schemas import FeedbackRequest, FeedbackRequestPage, Submission, SubmissionCreate
from feedback.service import submissions
from shared.clock import utcnow
from shared.contracts.feedback import RequestKind, RequestStatus
from shared.dependencies import Caller, Creation, Paging, Reader
from shared.responses import Created, document_response, found
from shared.routing import Routes

router = Routes("feedback requests", "What a participant is asked, and answering it")


@router.reads("/feedback-requests", FeedbackRequestPage, 400)
async def list_requests(
    caller: Caller,
    db: Reader,
    paging: Paging,
    respondent_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
    kind: RequestKind | None = None,
    status: RequestStatus | None = None,
    overdue: bool | None = None,
) -> Response:
    """Feedback requests: the caller's own; an admin's filter the organization's"""
    return await paging.answer(
        queries.list_requests,
        db,
        caller=caller,
        now=utcnow(),
        respondent_id=respondent_id,
        program_id=program_id,
        match_id=match_id,
        kind=kind,
        status=status,
        overdue=overdue,
    )


@router.reads("/feedback-requests/{request_id}", FeedbackRequest, 404)
async def get_request(request_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """A feedback request with its questions (its respondent, or an admin)"""
    document = found(
        await queries.request_for(db, caller=caller, request_id=request_id, now=utcnow()), "feedback request"
    )
    return document_response(document, version=document["version"])


@router.creates("/feedback-requests/{request_id}/submission", Submission, 403, 404, 409, 422)
async def submit(
    request_id: uuid.UUID,
    body: SubmissionCreate,
    caller: Caller,
    creation: Creation,
    settings: SettingsDep,
) -> Response:
    """Answer a feedback request (its respondent; once)"""

    async def create(session: AsyncSession) -> Created:
        submission = await submissions.submit(
            session, caller=caller, request_id=request_id, body=body, now=utcnow(), settings=settings
        )
        return submission, {"Location": f"/v1/submissions/{submission['id']}"}

    # Every writer locks the match's health before the week's rollup rows (written at commit, in
    # order: service/program_weeks.py), so this does not deadlock with event handling; a victim of
    # anything else is run again as a whole (and counted in transaction_retries_total).
    return await creation.run(caller=caller, create=create, retry_deadlocks=True)
