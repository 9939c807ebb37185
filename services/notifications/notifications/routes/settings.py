"""An organization's notification settings (admins; one document under If-Match; version 0 = none)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from notifications import queries
from notifications.dependencies import Admin, Reader, SecretBoxDep, SettingsDep, Writer
from notifications.documents import settings_document
from notifications.schemas import SettingsIn
from notifications.service import organization
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.responses import document_response, problems

router = APIRouter(prefix="/v1", tags=["settings"])


@router.get("/settings", summary="The organization's notification settings", responses=problems(403))
async def get_settings(caller: Admin, db: Reader) -> Response:
    document = settings_document(
        caller.organization, await queries.organization_settings(db, caller.organization)
    )
    return document_response(document, version=document["version"])


@router.put(
    "/settings",
    summary="Replace the organization's notification settings",
    description=(
        "Chat URLs must pass the outbound rules (HTTPS, public addresses). The Slack bot token is write-only."
    ),
    responses=problems(403, 412, 422, 428),
)
async def put_settings(
    changes: SettingsIn,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    box: SecretBoxDep,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        row = await organization.replace(
            session,
            organization=caller.organization,
            changes=changes,
            token_given="slack_bot_token" in changes.model_fields_set,
            if_match=if_match,
            policy=settings.destination_policy(),
            box=box,
            now=utcnow(),
        )
        document = settings_document(caller.organization, row)
    return document_response(document, version=row.version)
