"""Rows of the privacy tables as JSON documents, shared by routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from privacy.models import AuditEntry, Erasure, ErasureConfirmation, Export, Policy
from shared.retention import DEFAULT_POLICY

Document = dict[str, Any]


def export_document(export: Export, *, missing: Sequence[str]) -> Document:
    return {
        "id": export.id,
        "person_id": export.person_id,
        "status": export.status,
        "requested_by": export.requested_by,
        "requested_by_type": export.requested_by_type,
        "requested_at": export.requested_at,
        "completed_at": export.completed_at,
        "expires_at": export.expires_at,
        "size_bytes": export.size_bytes,
        "missing_services": list(missing) if export.status == "collecting" else [],
        "archive_url": f"/v1/exports/{export.id}/archive" if export.status == "ready" else None,
    }


def erasure_document(
    erasure: Erasure, *, confirmations: Sequence[ErasureConfirmation], missing: Sequence[str]
) -> Document:
    return {
        "id": erasure.id,
        "person_id": erasure.person_id,
        "status": erasure.status,
        "reason": erasure.reason,
        "requested_by": erasure.requested_by,
        "requested_by_type": erasure.requested_by_type,
        "requested_at": erasure.requested_at,
        "completed_at": erasure.completed_at,
        "attempt": erasure.attempt,
        "confirmed": [
            {"service": row.service, "erased": row.erased, "confirmed_at": row.confirmed_at}
            for row in sorted(confirmations, key=lambda row: row.service)
        ],
        "missing_services": list(missing) if erasure.status == "pending" else [],
    }


def policy_document(organization: str, policy: Policy | None) -> Document:
    if policy is None:
        return {
            "organization": organization,
            "retention": DEFAULT_POLICY.model_dump(mode="json"),
            "erase_after_days": None,
            "integrations_may_export": False,
            "integrations_may_erase": False,
            "version": 0,
            "updated_by": None,
            "updated_at": None,
        }
    return {
        "organization": organization,
        "retention": {**DEFAULT_POLICY.model_dump(mode="json"), **policy.retention},
        "erase_after_days": policy.erase_after_days,
        "integrations_may_export": policy.integrations_may_export,
        "integrations_may_erase": policy.integrations_may_erase,
        "version": policy.version,
        "updated_by": policy.updated_by,
        "updated_at": policy.updated_at,
    }


AUDIT_COLUMNS = (
    "id",
    "service",
    "at",
    "actor_type",
    "actor_id",
    "request_id",
    "trace_id",
    "resource_type",
    "resource_id",
    "action",
    "changes",
)


def audit_document(entry: AuditEntry | Any) -> Document:
    return {name: getattr(entry, name) for name in AUDIT_COLUMNS}
