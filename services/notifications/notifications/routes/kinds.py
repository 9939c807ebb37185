"""What the platform notifies about: kinds, default channels, template variables, languages."""

from __future__ import annotations

from fastapi import Response

from notifications.documents import kinds_document
from notifications.rendering import languages
from shared.dependencies import Caller
from shared.responses import document_response
from shared.routing import Routes

router = Routes("kinds", "What the platform notifies about")


@router.reads("/kinds")
async def list_kinds(caller: Caller) -> Response:
    """Every kind of notification, its defaults and its template variables"""
    return document_response({"items": kinds_document(), "languages": languages()})
