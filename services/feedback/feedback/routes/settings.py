"""A program's feedback settings: due time, at-risk threshold, check-in and close-out questions."""

from __future__ import annotations

import uuid

from fastapi import Response

from feedback import queries
from feedback.dependencies import SettingsDep
from feedback.documents import Document, settings_document
from feedback.schemas import ProgramFeedbackSettings, ProgramFeedbackSettingsUpdate
from feedback.service import program_settings
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Reader, Writer
from shared.errors import not_found
from shared.locks import retrying
from shared.responses import document_response
from shared.routing import Routes

router = Routes("feedback settings", "Per-program due time, threshold and questions")


@router.reads("/programs/{program_id}/feedback-settings", ProgramFeedbackSettings, 403, 404)
async def get_settings(program_id: uuid.UUID, caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """How a program collects feedback (admin); the defaults carry ETag "0\""""
    if await queries.program_organization(db, program_id=program_id) != caller.organization:
        raise not_found("program")
    rules = await queries.rules_for(db, program_id=program_id, settings=settings)
    return document_response(settings_document(program_id, rules), version=rules.version)


@router.patches("/programs/{program_id}/feedback-settings", ProgramFeedbackSettings, 403, 404, 412, 422, 428)
async def update_settings(
    program_id: uuid.UUID,
    changes: ProgramFeedbackSettingsUpdate,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Change how a program collects feedback (admin, If-Match required)"""

    async def attempt() -> Document:
        async with writer.transaction() as session:
            return await program_settings.update_settings(
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
