"""Feedback requests: what a participant is asked to answer, and answering it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import queries
from feedback.dependencies import Caller, Reader, SettingsDep, Writer
from feedback.schemas import FeedbackRequest, FeedbackRequestPage, Submission, SubmissionCreate
from feedback.service import submissions
from shared.clock import utcnow
from shared.concurrency import IdempotencyKey
from shared.contracts.feedback import RequestKind, RequestStatus
from shared.errors import not_found
from shared.pagination import Cursor, Limit
from shared.responses import Created, document_response, page_response, problems

router = APIRouter(prefix="/v1", tags=["feedback requests"])


@router.get(
    "/feedback-requests",
    response_model=FeedbackRequestPage,
    summary="Feedback requests: the caller's own; an admin's filter the organization's",
    responses=problems(400),
)
async def list_requests(
    caller: Caller,
    db: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    respondent_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
    kind: RequestKind | None = None,
    status: RequestStatus | None = None,
    overdue: bool | None = None,
) -> Response:
    items, next_cursor = await queries.list_requests(
        db,
        caller=caller,
        now=utcnow(),
        limit=limit,
        cursor=cursor,
        respondent_id=respondent_id,
        program_id=program_id,
        match_id=match_id,
        kind=kind,
        status=status,
        overdue=overdue,
    )
    return page_response(items, next_cursor)


@router.get(
    "/feedback-requests/{request_id}",
    response_model=FeedbackRequest,
    summary="A feedback request with its questions (its respondent, or an admin)",
    responses=problems(404),
)
async def get_request(request_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    document = await queries.request_for(db, caller=caller, request_id=request_id, now=utcnow())
    if document is None:
        raise not_found("feedback request")
    return document_response(document, version=document["version"])


@router.post(
    "/feedback-requests/{request_id}/submission",
    status_code=201,
    response_model=Submission,
    summary="Answer a feedback request (its respondent; once)",
    responses=problems(403, 404, 409, 422),
)
async def submit(
    request_id: uuid.UUID,
    body: SubmissionCreate,
    caller: Caller,
    writer: Writer,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        submission = await submissions.submit(
            session, caller=caller, request_id=request_id, body=body, now=utcnow(), settings=settings
        )
        return submission, {"Location": f"/v1/submissions/{submission['id']}"}

    # Every writer locks the match's health before the week's rollup rows (written at commit, in
    # order: service/program_weeks.py), so this does not deadlock with event handling; a victim of
    # anything else is run again as a whole (and counted in transaction_retries_total).
    return await writer.create_idempotently(
        caller=caller, key=idempotency_key, create=create, retry_deadlocks=True
    )
