"""Workspace settings (admins): a program's agreement template and whether an agreement is required
before the first session; an organization's message retention."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from shared.clock import utcnow
from shared.concurrency import IfMatch
from shared.errors import not_found
from shared.responses import document_response, problems
from workspace import queries
from workspace.dependencies import Admin, Reader, SettingsDep, Writer
from workspace.documents import organization_settings_document, program_settings_document
from workspace.schemas import (
    OrganizationWorkspaceSettings,
    OrganizationWorkspaceSettingsUpdate,
    ProgramWorkspaceSettings,
    ProgramWorkspaceSettingsUpdate,
)
from workspace.service import settings as settings_service

router = APIRouter(prefix="/v1", tags=["workspace settings"])


@router.get(
    "/programs/{program_id}/workspace-settings",
    response_model=ProgramWorkspaceSettings,
    summary='A program\'s agreement template and agreement rule (admins); the defaults carry ETag "0"',
    responses=problems(403, 404),
)
async def get_program_settings(program_id: uuid.UUID, caller: Admin, db: Reader) -> Response:
    if await queries.program_organization(db, program_id=program_id) != caller.organization:
        raise not_found("program")
    rules = await queries.program_rules(db, program_id=program_id)
    return document_response(program_settings_document(program_id, rules), version=rules.version)


@router.put(
    "/programs/{program_id}/workspace-settings",
    response_model=ProgramWorkspaceSettings,
    summary="Replace a program's workspace settings (admins, If-Match); published for scheduling",
    responses=problems(403, 404, 412, 422, 428),
)
async def put_program_settings(
    program_id: uuid.UUID,
    body: ProgramWorkspaceSettingsUpdate,
    caller: Admin,
    writer: Writer,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        rules = await settings_service.update_program_settings(
            session, caller=caller, program_id=program_id, changes=body, if_match=if_match, now=utcnow()
        )
    return document_response(program_settings_document(program_id, rules), version=rules.version)


@router.get(
    "/workspace-settings",
    response_model=OrganizationWorkspaceSettings,
    summary='The organization\'s message retention (admins); the default carries ETag "0"',
    responses=problems(403),
)
async def get_organization_settings(caller: Admin, db: Reader, settings: SettingsDep) -> Response:
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


@router.put(
    "/workspace-settings",
    response_model=OrganizationWorkspaceSettings,
    summary="Set how long the organization's messages are kept (admins, If-Match)",
    responses=problems(403, 412, 422, 428),
)
async def put_organization_settings(
    body: OrganizationWorkspaceSettingsUpdate,
    caller: Admin,
    writer: Writer,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    async with writer.transaction() as session:
        rules = await settings_service.update_organization_settings(
            session,
            caller=caller,
            changes=body,
            if_match=if_match,
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
