"""A person's notification preferences (one document, replaced under If-Match; version 0 = defaults)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from notifications import queries
from notifications.dependencies import Me, Reader, Writer
from notifications.documents import preferences_document
from notifications.schemas import PreferencesIn
from notifications.service import preferences
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1/me", tags=["preferences"])


@router.get(
    "/preferences", summary='My preferences (ETag `"0"` while they are the defaults)', responses=problems(403)
)
async def get_preferences(me: Me, db: Reader) -> Response:
    document = preferences_document(await queries.preferences(db, me.organization, me.id))
    return document_response(document, version=document["version"])


@router.put(
    "/preferences",
    summary='Replace my preferences (If-Match: the ETag you read; `"0"` for the first time)',
    responses=problems(403, 412, 422, 428),
)
async def put_preferences(
    changes: PreferencesIn, me: Me, writer: Writer, if_match: IfMatch = None
) -> Response:
    async with writer.transaction() as session:
        row = await preferences.replace(
            session,
            organization=me.organization,
            person_id=me.id,
            changes=changes,
            if_match=if_match,
            now=utcnow(),
        )
        document = preferences_document(row)
    return document_response(document, version=row.version)
