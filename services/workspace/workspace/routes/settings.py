"""Workspace settings (admins): a program's agreement template and whether an agreement is required
before the first session; an organization's message retention."""

from __future__ import annotations

import uuid

from fastapi import Response

from shared.clock import utcnow
from shared.dependencies import Admin, Change, Reader
from shared.errors import not_found
from shared.responses import document_response
from shared.routing import Routes
from workspace import queries
from workspace.dependencies import SettingsDep
from workspace.documents import organization_settings_document, program_settings_document
from workspace.schemas import (
    OrganizationWorkspaceSettings,
    OrganizationWorkspaceSettingsUpdate,
    ProgramWorkspaceSettings,
    ProgramWorkspaceSettingsUpdate,
)
from workspace.service import settings as settings_service

router = Routes("workspace settings", "A program's agreement template; message retention (admins)")


@router.reads("/programs/{program_id}/workspace-settings", ProgramWorkspaceSettings, 403, 404)
async def get_program_settings(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    """A program's agreement template and agreement rule (admins); the defaults carry ETag "0\""""
    if await queries.program_organization(db, program_id=program_id) != caller.organization:
        raise not_found("program")
    rules = await queries.program_rules(db, program_id=program_id)
    return document_response(program_settings_document(program_id, rules), version=rules.version)


@router.puts("/programs/{program_id}/workspace-settings", ProgramWorkspaceSettings, 403, 404, 412, 422, 428)
async def put_program_settings(
    program_id: uuid.UUID,
    body: ProgramWorkspaceSettingsUpdate,
    caller: Admin,
    change: Change,
) -> Response:
    """Replace a program's workspace settings (admins, If-Match); published for scheduling"""
    rules = await change.run(
        settings_service.update_program_settings,
        caller=caller,
        program_id=program_id,
        changes=body,
        now=utcnow(),
    )
    return document_response(program_settings_document(program_id, rules), version=rules.version)


@router.reads("/workspace-settings", OrganizationWorkspaceSettings, 403)
async def get_organization_settings(caller: Admin, db: Reader, settings: SettingsDep) -> Response:
    """The organization's message retention (admins); the default carries ETag "0\""""
    rules = await queries.organization_rules(
        db, organization=caller.organization, default_retention_days=settings.default_message_retention_days
    )
    document = organization_settings_document(
        caller.organization,
        rules,
        edit_window_seconds=settings.message_edit_window_seconds,
        context_messages=settings.report_context_messages,
    )
    return document_response(document, version=rules.version)


@router.puts("/workspace-settings", OrganizationWorkspaceSettings, 403, 412, 422, 428)
async def put_organization_settings(
    body: OrganizationWorkspaceSettingsUpdate,
    caller: Admin,
    change: Change,
    settings: SettingsDep,
) -> Response:
    """Set how long the organization's messages are kept (admins, If-Match)"""
    rules = await change.run(
        settings_service.update_organization_settings,
        caller=caller,
        changes=body,
        default_retention_days=settings.default_message_retention_days,
        now=utcnow(),
    )
    document = organization_settings_document(
        caller.organization,
        rules,
        edit_window_seconds=settings.message_edit_window_seconds,
        context_messages=settings.report_context_messages,
    )
    return document_response(document, version=rules.version)
