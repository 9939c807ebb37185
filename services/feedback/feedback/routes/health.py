"""Match health (admin): a match's score with its explained components; matches at risk."""

from __future__ import annotations

import uuid

from fastapi import Response

from feedback import queries
from feedback.schemas import AtRiskPage, MatchHealth
from shared.dependencies import Admin, Paging, Reader
from shared.responses import document_response, found
from shared.routing import Routes

router = Routes("match health", "Health scores and matches at risk (admins)")


@router.reads("/matches/{match_id}/health", MatchHealth, 403, 404)
async def get_health(match_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A match's health: 0-100 and each component's score, weight and explanation (admin)"""
    document = found(
        await queries.health_for(db, organization=caller.organization, match_id=match_id), "match health"
    )
    return document_response(document)


@router.reads("/programs/{program_id}/at-risk", AtRiskPage, 400, 403)
async def list_at_risk(program_id: uuid.UUID, caller: Admin, db: Reader, paging: Paging) -> Response:
    """Matches of a program at risk, longest first, with the reasons (admin)"""
    return await paging.answer(
        queries.list_at_risk, db, organization=caller.organization, program_id=program_id
    )
