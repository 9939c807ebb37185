"""A program's feedback settings: due time, at-risk threshold, check-in and close-out questions."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from feedback import queries, service
from feedback.dependencies import Admin, Reader, RuntimeDep, SettingsDep
from feedback.program_settings import rules_for
from feedback.schemas import ProgramFeedbackSettings, ProgramFeedbackSettingsUpdate
from feedback.store import retrying, utcnow
from feedback.web import document_response, problems
from shared.concurrency import IfMatch
from shared.db import transaction
from shared.errors import not_found

router = APIRouter(prefix="/v1", tags=["feedback settings"])


@router.get(
    "/programs/{program_id}/feedback-settings",
    response_model=ProgramFeedbackSettings,
    summary='How a program collects feedback (admin); the defaults carry ETag "0"',
    responses=problems(403, 404),
)
async def get_settings(program_id: uuid.UUID, caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    if await queries.program_organization(db, program_id=program_id) != caller.organization:
        raise not_found("program")
    rules = await rules_for(db, program_id=program_id, settings=settings)
    return document_response(service.settings_document(program_id, rules), version=rules.version)


@router.patch(
    "/programs/{program_id}/feedback-settings",
    response_model=ProgramFeedbackSettings,
    summary="Change how a program collects feedback (admin, If-Match required)",
    responses=problems(403, 404, 412, 422, 428),
)
async def update_settings(
    program_id: uuid.UUID,
    changes: ProgramFeedbackSettingsUpdate,
    caller: Admin,
    runtime: RuntimeDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    async def attempt() -> dict[str, Any]:
        async with transaction(runtime.sessions) as session:
            return await service.update_settings(
                session,
                caller=caller,
                program_id=program_id,
                changes=changes,
                if_match=if_match,
                now=utcnow(),
                settings=settings,
            )

    document = await retrying(attempt)
    return document_response(document, version=document["version"])
