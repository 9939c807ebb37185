"""A mentee's stated preferences in a program: preferred mentors (scored) and avoided ones (excluded)."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from matching import queries
from matching.documents import preferences_document
from matching.schemas import PreferencesIn, PreferencesOut
from matching.service import preferences
from shared.dependencies import Caller, Change, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("preferences", "Mentees' preferred and avoided mentors")


@router.reads("/programs/{program_id}/preferences/{person_id}", PreferencesOut, 403, 404)
async def get_preferences(
    program_id: uuid.UUID, person_id: uuid.UUID, caller: Caller, reader: Reader
) -> Response:
    """A mentee's preferences (their own, or an admin's view)"""
    program, row = await queries.preferences_of(
        reader, caller=caller, program_id=program_id, person_id=person_id
    )
    document = preferences_document(program.id, person_id, row)
    return document_response(document, version=document["version"])


@router.puts("/programs/{program_id}/preferences/{person_id}", PreferencesOut, 403, 404, 409, 412, 428)
async def put_preferences(
    program_id: uuid.UUID,
    person_id: uuid.UUID,
    body: PreferencesIn,
    caller: Caller,
    change: Change,
) -> Response:
    """Set a mentee's preferences (If-Match once they exist)"""
    row = await change.run(
        preferences.put_preferences, caller=caller, program_id=program_id, person_id=person_id, body=body
    )
    document = preferences_document(row.program_id, person_id, row)
    return document_response(document, version=document["version"])
