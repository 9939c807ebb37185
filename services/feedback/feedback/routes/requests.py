"""Feedback requests: what a participant is asked to answer, and answering it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from feedback import queries, service
from feedback.dependencies import Caller, Reader, RuntimeDep, SettingsDep
from feedback.schemas import FeedbackRequest, FeedbackRequestPage, Submission, SubmissionCreate
from feedback.store import utcnow
from feedback.web import Created, create_idempotently, document_response, page_response, problems
from shared.concurrency import IdempotencyKey
from shared.contracts.feedback import RequestKind, RequestStatus
from shared.errors import not_found
from shared.pagination import Cursor, Limit

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
    request: Request,
    caller: Caller,
    runtime: RuntimeDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create(session: AsyncSession) -> Created:
        submission = await service.submit(
            session, caller=caller, request_id=request_id, body=body, now=utcnow(), settings=settings
        )
        return submission, {"Location": f"/v1/submissions/{submission['id']}"}

    return await create_idempotently(
        request, runtime=runtime, caller=caller, key=idempotency_key, create=create
    )
