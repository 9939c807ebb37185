"""The organization's scheduling policy: meeting link template, buffers, notice, horizon, grid, reminders."""

from __future__ import annotations

from fastapi import APIRouter, Response

from scheduling import policy_changes, queries, service
from scheduling.dependencies import Admin, Caller, Reader, RuntimeDep
from scheduling.schemas import PolicyOut, PolicyUpdate
from scheduling.web import document_response, problems
from shared.concurrency import IfMatch
from shared.db import transaction

router = APIRouter(prefix="/v1", tags=["scheduling policy"])


@router.get(
    "/scheduling-policy",
    response_model=PolicyOut,
    summary="The organization's scheduling policy (defaults until an admin changes it: version 0)",
)
async def get_policy(caller: Caller, db: Reader) -> Response:
    policy = await queries.policy_of(db, caller.organization)
    return document_response(policy.document(), version=policy.version)


@router.put(
    "/scheduling-policy",
    response_model=PolicyOut,
    summary="Replace the organization's scheduling policy (admin, If-Match required)",
    responses=problems(403, 412, 428),
)
async def replace_policy(
    update: PolicyUpdate, caller: Admin, runtime: RuntimeDep, if_match: IfMatch = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        policy = await policy_changes.replace_policy(
            session, caller=caller, update=update, if_match=if_match, now=service.now_utc()
        )
    return document_response(policy.document(), version=policy.version)
