"""A person's notification preferences (one document, replaced under If-Match; version 0 = defaults)."""

from __future__ import annotations

from fastapi import Response

from notifications import queries
from notifications.dependencies import Me
from notifications.documents import preferences_document
from notifications.schemas import PreferencesIn
from notifications.service import preferences
from shared.clock import utcnow
from shared.dependencies import Change, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("preferences", "A person's channels, digests, quiet hours and off switch", prefix="/v1/me")


@router.reads("/preferences", None, 403)
async def get_preferences(me: Me, db: Reader) -> Response:
    """My preferences (ETag `"0"` while they are the defaults)"""
    document = preferences_document(await queries.preferences(db, me.organization, me.id))
    return document_response(document, version=document["version"])


@router.puts("/preferences", None, 403, 412, 422, 428)
async def put_preferences(changes: PreferencesIn, me: Me, change: Change) -> Response:
    """Replace my preferences (If-Match: the ETag you read; `"0"` for the first time)"""
    row = await change.run(
        preferences.replace, organization=me.organization, person_id=me.id, changes=changes, now=utcnow()
    )
    document = preferences_document(row)
    return document_response(document, version=row.version)
