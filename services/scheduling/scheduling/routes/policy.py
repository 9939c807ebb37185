"""The organization's scheduling policy: meeting link template, buffers, notice, horizon, grid, reminders."""

from __future__ import annotations

from fastapi import Response

from scheduling import queries
from scheduling.schemas import PolicyOut, PolicyUpdate
from scheduling.service import policy
from shared.clock import utcnow
from shared.dependencies import Admin, Caller, Change, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("scheduling policy", "The organization's scheduling policy (admins)")


@router.reads("/scheduling-policy", PolicyOut)
async def get_policy(caller: Caller, db: Reader) -> Response:
    """The organization's scheduling policy (defaults until an admin changes it: version 0)"""
    current = await queries.policy_of(db, caller.organization)
    return document_response(current.document(), version=current.version)


@router.puts("/scheduling-policy", PolicyOut, 403, 412, 428)
async def replace_policy(update: PolicyUpdate, caller: Admin, change: Change) -> Response:
    """Replace the organization's scheduling policy (admin, If-Match required)"""
    replaced = await change.run(policy.replace_policy, caller=caller, update=update, now=utcnow())
    return document_response(replaced.document(), version=replaced.version)
