"""A mentee's stated preferences in a program: preferred mentors (scored) and avoided ones (excluded)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from matching import queries
from matching.dependencies import Caller, Reader, Writer
from matching.documents import preferences_document
from matching.schemas import PreferencesIn, PreferencesOut
from matching.service import preferences
from shared.concurrency import IfMatch
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1", tags=["preferences"])


@router.get(
    "/programs/{program_id}/preferences/{person_id}",
    response_model=PreferencesOut,
    summary="A mentee's preferences (their own, or an admin's view)",
    responses=problems(403, 404),
)
async def get_preferences(
    program_id: uuid.UUID, person_id: uuid.UUID, caller: Caller, reader: Reader
) -> Response:
    program, row = await queries.preferences_of(
        reader, caller=caller, program_id=program_id, person_id=person_id
    )
    document = preferences_document(program.id, person_id, row)
    return document_response(document, version=document["version"])


@router.put(
    "/programs/{program_id}/preferences/{person_id}",
    response_model=PreferencesOut,
    summary="Set a mentee's preferences (If-Match once they exist)",
    responses=problems(403, 404, 409, 412, 428),
)
async def put_preferences(
    program_id: uuid.UUID,
    person_id: uuid.UUID,
    body: PreferencesIn,
    caller: Caller,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        row = await preferences.put_preferences(
            session, caller=caller, program_id=program_id, person_id=person_id, body=body, if_match=if_match
        )
        document = preferences_document(row.program_id, person_id, row)
    return document_response(document, version=document["version"])
