"""The pair's agreement: read it, edit it (either member), sign a version (each member)."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Caller, Reader, Writer
from shared.responses import document_response
from shared.routing import Routes
from workspace.queries import workspaces as workspace_queries
from workspace.schemas import Agreement, AgreementEdit, AgreementSigning
from workspace.service import agreements

router = Routes("agreement", "The pair's agreement: drafted from the program's template, signed by both")


@router.reads("/matches/{match_id}/agreement", Agreement, 404)
async def get_agreement(match_id: uuid.UUID, caller: Caller, db: Reader) -> Response:
    """The pair's agreement (before anyone edits or signs it: the program's template, ETag "0")"""
    document = await workspace_queries.agreement(db, caller=caller, match_id=match_id)
    return document_response(document, version=document["version"])


@router.puts("/matches/{match_id}/agreement", Agreement, 403, 404, 409, 412, 422, 428)
async def edit_agreement(
    match_id: uuid.UUID, body: AgreementEdit, caller: Caller, writer: Writer, if_match: IfMatch = None
) -> Response:
    """Edit the agreement (either member, If-Match): a new version, both signatures cleared"""
    async with writer.transaction() as session:
        await agreements.edit_agreement(
            session, caller=caller, match_id=match_id, sections=body.sections, if_match=if_match, now=utcnow()
        )
        await session.flush()
        document = await workspace_queries.agreement(session, caller=caller, match_id=match_id)
    return document_response(document, version=document["version"])


@router.posts("/matches/{match_id}/agreement/signatures", Agreement, 403, 404, 409, 422)
async def sign_agreement(
    match_id: uuid.UUID, body: AgreementSigning, caller: Caller, writer: Writer
) -> Response:
    """Sign a version of the agreement (each member; signing it again changes nothing)"""
    async with writer.transaction() as session:
        await agreements.sign_agreement(
            session, caller=caller, match_id=match_id, version=body.version, now=utcnow()
        )
        await session.flush()
        document = await workspace_queries.agreement(session, caller=caller, match_id=match_id)
    return document_response(document, version=document["version"])
