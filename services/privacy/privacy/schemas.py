"""Request and response bodies of the privacy API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Days = Field(ge=1, le=3650)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportStatus(StrEnum):
    COLLECTING = "collecting"  # waiting for some service's part
    READY = "ready"  # the archive can be downloaded until `expires_at`
    EXPIRED = "expired"  # the archive was deleted after its download period
    ERASED = "erased"  # the person was erased since


class ExportRequest(_Body):
    person_id: uuid.UUID | None = Field(
        default=None, description="Whose data; omitted: the caller's own (a person may ask only for theirs)"
    )


class ExportOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    status: ExportStatus
    requested_by: str = Field(description="The person, admin or integration that asked")
    requested_by_type: str
    requested_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None = Field(description="Until when the archive can be downloaded")
    size_bytes: int | None
    missing_services: list[str] = Field(description="Services whose part has not arrived yet")
    archive_url: str | None = Field(description="Where to download the zip, while it is ready")


class ErasureStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELED = "canceled"  # the person was reactivated before every service confirmed


class ErasureRequest(_Body):
    person_id: uuid.UUID


class Confirmation(BaseModel):
    service: str
    erased: dict[str, int] = Field(description="Rows deleted or anonymized, per kind of record")
    confirmed_at: datetime


class ErasureOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    status: ErasureStatus
    reason: str = Field(description="`admin` or `policy` (automatic, after the organization's delay)")
    requested_by: str
    requested_by_type: str
    requested_at: datetime
    completed_at: datetime | None
    attempt: int = Field(description="How many times the services were asked")
    confirmed: list[Confirmation]
    missing_services: list[str] = Field(description="Services that have not confirmed yet")


class ErasurePage(BaseModel):
    items: list[ErasureOut]
    next_cursor: str | None = None


class RetentionIn(_Body):
    """Days each kind of record is kept (defaults in the service's README)."""

    ended_match_notes_days: int = Days
    messages_days: int = Days
    feedback_text_days: int = Days
    delivery_log_days: int = Days
    audit_days: int = Days


class PolicyUpdate(_Body):
    retention: RetentionIn
    erase_after_days: int | None = Field(
        default=None, ge=1, le=3650, description="Erase people this many days after they left; null: never"
    )
    integrations_may_export: bool = False
    integrations_may_erase: bool = False


class PolicyOut(BaseModel):
    organization: str
    retention: RetentionIn
    erase_after_days: int | None
    integrations_may_export: bool
    integrations_may_erase: bool
    version: int = Field(description="0: the defaults, never changed")
    updated_by: str | None
    updated_at: datetime | None


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    service: str
    at: datetime
    actor_type: str | None = Field(description="person, admin, integration or platform")
    actor_id: str | None = Field(description="Person id, token subject, or the platform job's name")
    request_id: str | None
    trace_id: str | None
    resource_type: str
    resource_id: str
    action: str = Field(description="created, updated, deleted or read")
    changes: dict[str, Any] = Field(
        description='Per field {"old": ..., "new": ...}, or "changed" for personal and private fields'
    )


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = None
