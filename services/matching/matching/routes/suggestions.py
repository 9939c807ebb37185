"""Suggestions: the best mentors for a mentee in a program, with explanations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from matching import queries
from matching.dependencies import PoolsDep, SettingsDep
from matching.documents import suggestions_document
from matching.schemas import SuggestionList
from shared.dependencies import Caller, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("suggestions", "Top mentors for a mentee, explained")


@router.reads("/programs/{program_id}/suggestions", SuggestionList, 403, 404)
async def get_suggestions(
    program_id: uuid.UUID,
    caller: Caller,
    reader: Reader,
    settings: SettingsDep,
    pools: PoolsDep,
    mentee_id: Annotated[uuid.UUID | None, Query(description="Default: the caller")] = None,
    limit: Annotated[int | None, Query(ge=1, le=50)] = None,
) -> Response:
    """Top mentors for a mentee, each with its score breakdown and reasons"""
    found = await queries.suggestions(
        reader,
        caller=caller,
        program_id=program_id,
        mentee_id=mentee_id,
        limit=limit or settings.suggestions_limit,
        pools=pools,
        settings=settings,
    )
    document = suggestions_document(
        program_id=found.program_id,
        mentee_id=found.mentee_id,
        items=found.items,
        not_ready=[(held.person_id, held.role.value, held.reason) for held in found.not_ready],
    )
    return document_response(document)
