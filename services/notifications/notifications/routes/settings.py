"""An organization's notification settings (admins; one document under If-Match; version 0 = none)."""

from __future__ import annotations

from fastapi import Response

from notifications import queries
from notifications.dependencies import SecretBoxDep, SettingsDep
from notifications.documents import settings_document
from notifications.schemas import SettingsIn
from notifications.service import organization
from shared.clock import utcnow
from shared.dependencies import Admin, Change, Reader
from shared.responses import document_response
from shared.routing import Routes

router = Routes("settings", "An organization's admins, chat integrations and limits (admins)")


@router.reads("/settings", None, 403)
async def get_settings(caller: Admin, db: Reader) -> Response:
    """The organization's notification settings"""
    document = settings_document(
        caller.organization, await queries.organization_settings(db, caller.organization)
    )
    return document_response(document, version=document["version"])


@router.puts("/settings", None, 403, 412, 422, 428)
async def put_settings(
    changes: SettingsIn,
    caller: Admin,
    change: Change,
    settings: SettingsDep,
    box: SecretBoxDep,
) -> Response:
    """Replace the organization's notification settings

    Chat URLs must pass the outbound rules (HTTPS, public addresses). The Slack bot token is write-only.
    """
    row = await change.run(
        organization.replace,
        organization=caller.organization,
        changes=changes,
        token_given="slack_bot_token" in changes.model_fields_set,
        policy=settings.destination_policy(),
        box=box,
        now=utcnow(),
    )
    document = settings_document(caller.organization, row)
    return document_response(document, version=row.version)
