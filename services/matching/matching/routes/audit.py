"""Fairness audit (admins): which attributes may be audited, and aggregate outcomes per group.

Outcomes per self-identified group are a summary of sensitive data: each read of one is recorded
in the audit trail (shared/audit.py `record_access`: who read which report, never its figures)."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from matching import queries
from matching.dependencies import SettingsDep
from matching.documents import audit_config_document, audit_document
from matching.models import messaging
from matching.schemas import AuditConfigIn, AuditConfigOut, AuditOut
from matching.service import audit_config
from shared.audit import record_access
from shared.auth import Principal
from shared.dependencies import Admin, Change, Reader, RequestWriter, Writer
from shared.responses import document_response
from shared.routing import Routes

router = Routes("audit", "Fairness audit in aggregates (admins)")

# What the trail says was read.
FAIRNESS_READ = "fairness audit (self-identification summary)"


async def record_fairness_read(
    writer: RequestWriter, *, caller: Principal, resource_type: str, resource_id: uuid.UUID
) -> None:
    """The admin read a fairness report per self-identified group of this round or program."""
    async with writer.transaction() as session:
        await record_access(
            session,
            messaging.audit,
            organization=caller.organization,
            resource_type=resource_type,
            resource_id=str(resource_id),
            what=FAIRNESS_READ,
        )


@router.reads("/audit/config", AuditConfigOut)
async def get_config(caller: Admin, reader: Reader, settings: SettingsDep) -> Response:
    """The organization's audit configuration"""
    row = await queries.audit_config_of(reader, caller.organization)
    document = audit_config_document(row, default_min_group_size=settings.audit_min_group_size)
    return document_response(document, version=document["version"])


@router.puts("/audit/config", AuditConfigOut, 412, 428)
async def put_config(body: AuditConfigIn, caller: Admin, change: Change, settings: SettingsDep) -> Response:
    """Mark the attributes that may be audited and the minimum group size (If-Match once set)"""
    row = await change.run(audit_config.put_audit_config, caller=caller, body=body, settings=settings)
    document = audit_config_document(row, default_min_group_size=settings.audit_min_group_size)
    return document_response(document, version=document["version"])


@router.reads("/rounds/{round_id}/audit", AuditOut, 404, 409)
async def audit_round(
    round_id: uuid.UUID, caller: Admin, reader: Reader, writer: Writer, settings: SettingsDep
) -> Response:
    """Fairness of a round's proposals per group (aggregates, small groups suppressed)"""
    result = await queries.audit_round(reader, caller=caller, round_id=round_id, settings=settings)
    await record_fairness_read(writer, caller=caller, resource_type="round", resource_id=round_id)
    return document_response(audit_document(result, scope="round", scope_id=round_id))


@router.reads("/programs/{program_id}/audit", AuditOut, 404, 409)
async def audit_program(
    program_id: uuid.UUID, caller: Admin, reader: Reader, writer: Writer, settings: SettingsDep
) -> Response:
    """Fairness of a program's live matches per group (aggregates, small groups suppressed)"""
    result = await queries.audit_program(reader, caller=caller, program_id=program_id, settings=settings)
    await record_fairness_read(writer, caller=caller, resource_type="program", resource_id=program_id)
    return document_response(audit_document(result, scope="program", scope_id=program_id))
