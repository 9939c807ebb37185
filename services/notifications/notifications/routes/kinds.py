"""What the platform notifies about: kinds, default channels, template variables, languages."""

from __future__ import annotations

from fastapi import APIRouter, Response

from notifications.dependencies import Caller
from notifications.documents import kinds_document
from notifications.rendering import languages
from shared.responses import document_response

router = APIRouter(prefix="/v1", tags=["kinds"])


@router.get("/kinds", summary="Every kind of notification, its defaults and its template variables")
async def list_kinds(caller: Caller) -> Response:
    return document_response({"items": kinds_document(), "languages": languages()})
