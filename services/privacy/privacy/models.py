"""Tables of the privacy service (schema `privacy`).

- `people`: a read model of profiles' people (organization, active, when they left), so that an
  erasure can be refused for someone still active and the automatic policy finds leavers;
- `policies`: each organization's retention periods, automatic erasure and what integrations may do;
- `exports` and `export_parts`: requests, the services' parts as they arrive, the assembled
  archive (kept until it expires);
- `erasures` and `erasure_confirmations`: requests and each service's confirmation;
- `audit_entries`: the organization's audit trail, from every service's `audit.recorded` events.
  Append-only: no API changes or deletes an entry, a trigger refuses UPDATE, and only the
  retention job deletes (deploy/OPERATIONS.md gives the database role without UPDATE/DELETE).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "privacy"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


class Person(Base):
    """A person as profiles last said (read model); `erased_at` once profiles erased them."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_organization_left", "organization", "deactivated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class Policy(Base):
    """An organization's privacy policy; without a row, the documented defaults apply."""

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint(
            "erase_after_days IS NULL OR erase_after_days BETWEEN 1 AND 3650", name="erase_after"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    # RetentionPolicy (shared/contracts/privacy.py), days per kind of record.
    retention: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Erase people automatically this many days after they were deactivated (None: only on request).
    erase_after_days: Mapped[int | None] = mapped_column(Integer)
    integrations_may_export: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    integrations_may_erase: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Export(Base):
    """A request for a person's data; `archive` is the assembled zip until it expires."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint("status IN ('collecting', 'ready', 'expired', 'erased')", name="status_known"),
        Index("ix_exports_organization_person", "organization", "person_id", "requested_at"),
        Index("ix_exports_collecting", "last_requested_at", postgresql_where=text("status = 'collecting'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    archive: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class ExportPart(Base):
    """A service's part of an export, as its `personal_data.exported` described it."""

    __tablename__ = "export_parts"
    __table_args__ = (PrimaryKeyConstraint("export_id", "service", name="pk_export_parts"),)

    export_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service: Mapped[str] = mapped_column(String(64))
    organization: Mapped[str] = mapped_column(String(100))
    object_name: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Erasure(Base):
    """A request to erase a person everywhere; complete once every registered service confirmed."""

    __tablename__ = "erasures"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'completed', 'canceled')", name="status_known"),
        CheckConstraint("reason IN ('admin', 'policy')", name="reason_known"),
        # One erasure per person at a time: asking again answers the existing one.
        Index(
            "uq_erasures_person_open",
            "organization",
            "person_id",
            unique=True,
            postgresql_where=text("status <> 'canceled'"),
        ),
        Index("ix_erasures_pending", "last_requested_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ErasureConfirmation(Base):
    """A service's confirmation of an erasure, with what it erased."""

    __tablename__ = "erasure_confirmations"
    __table_args__ = (PrimaryKeyConstraint("erasure_id", "service", name="pk_erasure_confirmations"),)

    erasure_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service: Mapped[str] = mapped_column(String(64))
    organization: Mapped[str] = mapped_column(String(100))
    erased: Mapped[dict[str, int]] = mapped_column(JSONB)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One entry of an organization's audit trail (see shared/audit.py for what an entry says)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_time", "organization", "at", "id"),
        Index("ix_audit_entries_resource", "organization", "resource_type", "resource_id", "at", "id"),
        Index("ix_audit_entries_actor", "organization", "actor_id", "at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_type: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


messaging = messaging_tables(Base.metadata)
