"""The organization's scheduling policy: meeting link template, buffers, notice, horizon, grid, reminders."""

from __future__ import annotations

from fastapi import APIRouter, Response

from scheduling import queries
from scheduling.dependencies import Admin, Caller, Reader, Writer
from scheduling.schemas import PolicyOut, PolicyUpdate
from scheduling.service import policy
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1", tags=["scheduling policy"])


@router.get(
    "/scheduling-policy",
    response_model=PolicyOut,
    summary="The organization's scheduling policy (defaults until an admin changes it: version 0)",
)
async def get_policy(caller: Caller, db: Reader) -> Response:
    current = await queries.policy_of(db, caller.organization)
    return document_response(current.document(), version=current.version)


@router.put(
    "/scheduling-policy",
    response_model=PolicyOut,
    summary="Replace the organization's scheduling policy (admin, If-Match required)",
    responses=problems(403, 412, 428),
)
async def replace_policy(
    update: PolicyUpdate, caller: Admin, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        replaced = await policy.replace_policy(
            session, caller=caller, update=update, if_match=if_match, now=utcnow()
        )
    return document_response(replaced.document(), version=replaced.version)
