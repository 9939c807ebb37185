"""Events of privacy and accountability: the privacy service's own (exports, erasures, retention
policies), and the three every service publishes about itself, declared in its own contracts
module with `accountability_events`:

- `<service>.audit.recorded`: entries of its audit log (confidential: admins read them through
  the privacy service, never through webhooks);
- `<service>.personal_data.exported`: its part of a person's export is in the export store;
- `<service>.personal_data.erased`: it erased (or irreversibly anonymized) what it held on a person.

None of them carries personal values: ids, counts, field names, and old/new values of fields that
are not personal (shared/audit.py decides which).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Event, EventType


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- what every service publishes about itself ------------------------------------------------------


class AuditEntry(_State):
    id: uuid.UUID
    at: dt.datetime
    actor_type: str | None = Field(default=None, description="person, admin, integration or platform")
    actor_id: str | None = Field(default=None, description="Person id, token subject, or the job's name")
    request_id: str | None = None
    trace_id: str | None = None
    resource_type: str
    resource_id: str
    action: str = Field(description="created, updated, deleted or read")
    changes: dict[str, Any] = Field(
        description=(
            'Per field, {"old": ..., "new": ...}, or "changed" for personal and private fields; '
            'for a read, {"read": what was read}'
        )
    )


class AuditRecorded(Event):
    """Entries of a service's audit log (the base of each service's `audit.recorded`)."""

    confidential: ClassVar[bool] = True
    service: str
    entries: list[AuditEntry]


class ExportedFile(_State):
    name: str = Field(description="File name in the archive, under the service's folder")
    about: str = Field(description="What the file holds (the archive's README says it)")
    records: int


class PersonalDataExported(Event):
    """A service's part of a person's export is ready (the base of each service's event)."""

    export_id: uuid.UUID
    person_id: uuid.UUID
    service: str
    object_name: str = Field(description="Where the part is in the export store")
    size_bytes: int
    sha256: str
    files: list[ExportedFile]


class PersonalDataErased(Event):
    """A service erased what it held on a person (the base of each service's event)."""

    erasure_id: uuid.UUID
    person_id: uuid.UUID
    service: str
    erased: dict[str, int] = Field(description="Rows deleted or anonymized, per kind of record")


AccountabilityEvents = tuple[type[AuditRecorded], type[PersonalDataExported], type[PersonalDataErased]]


def accountability_events(service: str, module: str) -> AccountabilityEvents:
    """The three events `service` publishes about itself, declared in its contracts `module`
    (`AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("x", __name__)`)."""
    title = service.capitalize()
    made: list[type[Event]] = []
    for base, entity, action, doc in (
        (AuditRecorded, "audit", "recorded", f"Entries of the {service} service's audit log."),
        (
            PersonalDataExported,
            "personal_data",
            "exported",
            f"The {service} service's part of a person's export is in the export store.",
        ),
        (
            PersonalDataErased,
            "personal_data",
            "erased",
            f"The {service} service erased or anonymized what it held on a person.",
        ),
    ):
        name = f"{title}{base.__name__}"
        namespace = {
            "__module__": module,
            "__qualname__": name,
            "__doc__": doc,
            "event_type": EventType(service, entity, action, 1),
        }
        made.append(type(name, (base,), namespace))
    audit, exported, erased = made
    return audit, exported, erased  # type: ignore[return-value]


# --- the privacy service's own events ------------------------------------------------------------------


class ExportRequested(Event):
    """A person's export was requested (by them, or by an admin on their behalf): every service
    puts its part in the export store and says so."""

    event_type: ClassVar[EventType] = EventType("privacy", "export", "requested", 1)
    export_id: uuid.UUID
    person_id: uuid.UUID
    attempt: int = Field(default=1, description="Asked again (2, 3, ...) while some part is missing")


class ExportCompleted(Event):
    """A person's export archive is assembled and can be downloaded until `expires_at`."""

    event_type: ClassVar[EventType] = EventType("privacy", "export", "completed", 1)
    export_id: uuid.UUID
    person_id: uuid.UUID
    size_bytes: int
    expires_at: dt.datetime
    services: list[str]


class ErasureRequested(Event):
    """A person is to be erased everywhere: profiles anonymizes them first and publishes
    `profiles.person.erased`, on which every other service erases its part. Published again while
    some service has not confirmed."""

    event_type: ClassVar[EventType] = EventType("privacy", "erasure", "requested", 1)
    erasure_id: uuid.UUID
    person_id: uuid.UUID
    reason: str = Field(description="`admin` (an admin asked) or `policy` (the organization's rule)")
    attempt: int = 1


class ErasureCompleted(Event):
    """Every registered service confirmed the erasure of a person."""

    event_type: ClassVar[EventType] = EventType("privacy", "erasure", "completed", 1)
    erasure_id: uuid.UUID
    person_id: uuid.UUID
    services: list[str]


class RetentionPolicy(_State):
    """How long an organization keeps what is no longer needed, in days (documented defaults in
    services/privacy/README.md)."""

    ended_match_notes_days: int = Field(description="Session notes and agendas, after the match ended")
    messages_days: int = Field(description="Workspace messages, after they were posted")
    feedback_text_days: int = Field(description="Feedback notes' text (ratings stay), after submission")
    delivery_log_days: int = Field(description="Webhook and notification delivery logs")
    audit_days: int = Field(description="Audit trail entries")


class RetentionPolicyUpdated(Event):
    """An organization's retention policy changed: the services holding those records enforce it."""

    event_type: ClassVar[EventType] = EventType("privacy", "retention_policy", "updated", 1)
    organization: str
    version: int
    policy: RetentionPolicy


AuditRecordedByPrivacy, PersonalDataExportedByPrivacy, PersonalDataErasedByPrivacy = accountability_events(
    "privacy", __name__
)
