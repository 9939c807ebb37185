"""Outcome settings of an organization (admin): the attributes group reports use and their
minimum group size."""

from __future__ import annotations

from fastapi import Response

from feedback.dependencies import SettingsDep
from feedback.outcomes.group_settings import group_settings_for, put_group_settings
from feedback.outcomes.schemas import OutcomeSettings, OutcomeSettingsUpdate
from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.dependencies import Admin, Reader, Writer
from shared.locks import retrying
from shared.responses import document_response
from shared.routing import Routes

router = Routes(
    "outcome settings", "Group attributes and minimum group size of group reports", prefix="/v1/outcomes"
)


@router.reads("/settings", OutcomeSettings, 403)
async def get_settings(caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """The attributes group reports use and their minimum group size (admin); defaults carry ETag "0\""""
    group = await group_settings_for(db, organization=caller.organization, settings=settings)
    return document_response(group.document(), version=group.version)


@router.puts("/settings", OutcomeSettings, 403, 412, 422, 428)
async def put_settings(
    body: OutcomeSettingsUpdate,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Set the attributes group reports use and their minimum group size (admin; If-Match once set)

    Applies from the next recompute of the report.
    """

    async def attempt() -> Response:
        async with writer.transaction() as session:
            group = await put_group_settings(
                session,
                organization=caller.organization,
                attributes=body.group_attributes,
                min_group_size=body.min_group_size,
                if_match=if_match,
                now=utcnow(),
                settings=settings,
            )
        return document_response(group.document(), version=group.version)

    return await retrying(attempt)
