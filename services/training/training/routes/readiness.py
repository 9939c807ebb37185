"""Readiness gates per program: whether mentors and mentees must complete their course before
they can be matched (matching reads them from the assignment events)."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Reader, Writer
from shared.locks import retrying
from shared.responses import document_response
from shared.routing import Routes
from training import queries
from training.documents import Document
from training.schemas import ReadinessGatesOut, ReadinessGatesUpdate
from training.service import gates

router = Routes("readiness", "Per-program gates: complete the course before matching")


@router.reads("/programs/{program_id}/readiness-gates", ReadinessGatesOut, 403, 404)
async def get_gates(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """The program's readiness gates (admin); without any, ETag "0\""""
    await queries.program_visible(db, organization=caller.organization, program_id=program_id)
    document = await queries.gates_document_of(db, program_id=program_id)
    return document_response(document, version=document["version"])


@router.patches("/programs/{program_id}/readiness-gates", ReadinessGatesOut, 403, 404, 412, 422, 428)
async def update_gates(
    program_id: uuid.UUID,
    changes: ReadinessGatesUpdate,
    caller: Admin,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Change the program's readiness gates (admin, If-Match); every assignment of the role is published
    again with its new `required_for_matching`
    """

    async def attempt() -> Document:
        async with writer.transaction() as session:
            return await gates.update_gates(
                session,
                caller=caller,
                program_id=program_id,
                changes=changes,
                if_match=if_match,
                now=utcnow(),
            )

    document = await retrying(attempt)
    return document_response(document, version=document["version"])
