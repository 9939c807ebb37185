"""A mentee's stated preferences in a program: preferred mentors (scored) and avoided ones (excluded)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from matching import service
from matching.dependencies import Caller, RuntimeDep
from matching.schemas import PreferencesIn, PreferencesOut
from matching.web import json_response, problems
from shared.concurrency import IfMatch
from shared.db import transaction

router = APIRouter(prefix="/v1", tags=["preferences"])


@router.get(
    "/programs/{program_id}/preferences/{person_id}",
    response_model=PreferencesOut,
    summary="A mentee's preferences (their own, or an admin's view)",
    responses=problems(403, 404),
)
async def get_preferences(
    program_id: uuid.UUID, person_id: uuid.UUID, caller: Caller, runtime: RuntimeDep
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = await service.get_preferences(
            session, caller=caller, program_id=program_id, person_id=person_id
        )
    return json_response(body, version=body.version)


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
    runtime: RuntimeDep,
    if_match: IfMatch = None,
) -> Response:
    async with transaction(runtime.sessions) as session:
        out = await service.put_preferences(
            session, caller=caller, program_id=program_id, person_id=person_id, body=body, if_match=if_match
        )
    return json_response(out, version=out.version)
