"""The organization's privacy policy: retention, automatic erasure of leavers, integrations' rights."""

from __future__ import annotations

from fastapi import Response

from privacy import queries
from privacy.schemas import PolicyOut, PolicyUpdate
from privacy.service import policies
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Reader, Writer
from shared.responses import document_response
from shared.routing import Routes

router = Routes("policy", "Retention, automatic erasure, integrations' rights (admins)")


@router.reads("/policy", PolicyOut, 403)
async def get_policy(caller: Admin, db: Reader) -> Response:
    """The organization's privacy policy (admin); the documented defaults with ETag "0" until set"""
    document, version = await queries.policy_of(db, organization=caller.organization)
    return document_response(document, version=version)


@router.puts("/policy", PolicyOut, 403, 412, 422, 428)
async def put_policy(body: PolicyUpdate, caller: Admin, writer: Writer, if_match: IfMatch = None) -> Response:
    """Replace the organization's privacy policy (admin, If-Match); the services holding such records apply
    the new retention
    """
    async with writer.transaction() as session:
        await policies.update_policy(session, caller=caller, changes=body, if_match=if_match, now=utcnow())
    async with writer.transaction() as session:
        document, version = await queries.policy_of(session, organization=caller.organization)
    return document_response(document, version=version)
