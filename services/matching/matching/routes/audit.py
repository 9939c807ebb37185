"""Fairness audit (admins): which attributes may be audited, and aggregate outcomes per group."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from matching import audit, service
from matching.dependencies import Admin, RuntimeDep, SettingsDep
from matching.schemas import AuditConfigIn, AuditConfigOut, AuditOut
from matching.web import json_response, problems
from shared.concurrency import IfMatch
from shared.db import transaction

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit/config", response_model=AuditConfigOut, summary="The organization's audit configuration")
async def get_config(caller: Admin, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    async with transaction(runtime.sessions) as session:
        body = await service.get_audit_config(session, caller=caller, settings=settings)
    return json_response(body, version=body.version)


@router.put(
    "/audit/config",
    response_model=AuditConfigOut,
    summary="Mark the attributes that may be audited and the minimum group size (If-Match once set)",
    responses=problems(412, 428),
)
async def put_config(
    body: AuditConfigIn, caller: Admin, runtime: RuntimeDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    async with transaction(runtime.sessions) as session:
        out = await service.put_audit_config(
            session, caller=caller, body=body, if_match=if_match, settings=settings
        )
    return json_response(out, version=out.version)


@router.get(
    "/rounds/{round_id}/audit",
    response_model=AuditOut,
    summary="Fairness of a round's proposals per group (aggregates, small groups suppressed)",
    responses=problems(404, 409),
)
async def audit_round(
    round_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, settings: SettingsDep
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = await audit.audit_round(session, caller=caller, round_id=round_id, settings=settings)
    return json_response(body)


@router.get(
    "/programs/{program_id}/audit",
    response_model=AuditOut,
    summary="Fairness of a program's live matches per group (aggregates, small groups suppressed)",
    responses=problems(404, 409),
)
async def audit_program(
    program_id: uuid.UUID, caller: Admin, runtime: RuntimeDep, settings: SettingsDep
) -> Response:
    async with transaction(runtime.sessions) as session:
        body = await audit.audit_program(session, caller=caller, program_id=program_id, settings=settings)
    return json_response(body)
