"""Tables of the webhooks service (schema `webhooks`): endpoints, received events, deliveries, attempts.

An event is stored once (the exact body every endpoint receives, so signatures and replays use the
same bytes); a delivery is one event for one endpoint, with its retry state; an attempt is one
HTTP request of a delivery, kept as the delivery log.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts.webhooks import EndpointDisabledReason
from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "webhooks"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or being attempted)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # given up: schedule exhausted, or the endpoint is gone


class AttemptState(StrEnum):
    """An attempt is logged before its request leaves, so the log never misses one that was sent."""

    SENDING = "sending"  # under way (or its worker died: the next attempt marks it interrupted)
    COMPLETED = "completed"  # answered, timed out or refused: see status_code and error
    INTERRUPTED = "interrupted"  # its worker stopped mid-attempt: the endpoint may have received it


class DeliveryTrigger(StrEnum):
    EVENT = "event"  # the event arrived
    RESEND = "resend"  # an admin resent one delivery
    REPLAY = "replay"  # an admin replayed a time range


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Endpoint(Base):
    __tablename__ = "endpoints"
    __table_args__ = (
        CheckConstraint(_in("disabled_reason", EndpointDisabledReason), name="disabled_reason_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_endpoints_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(JSONB)
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(20))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Encrypted (see secret_box); the previous secret keeps signing until it expires.
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceivedEvent(Base):
    """A domain event as received (CloudEvents JSON), kept for retries, resends and replays."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_organization_time", "organization", "time"),
        Index("ix_events_received_at", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DeliveryStatus), name="status_known"),
        CheckConstraint(_in("trigger", DeliveryTrigger), name="trigger_known"),
        # What the dispatcher claims: due deliveries, per endpoint, oldest first.
        Index(
            "ix_deliveries_due",
            "endpoint_id",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_endpoint_id_created_at_id", "endpoint_id", "created_at", "id"),
        Index("ix_deliveries_event_id", "event_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("events.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))  # begun, counted before sending
    # While pending: when the next attempt is due. While claimed, its lease expiry (renewed by the
    # claiming worker's heartbeat: a worker that dies lets its claims go within seconds).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by each claim; only the claimant's result is recorded (a stale one after a lease expired is not).
    claim_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_latency_ms: Mapped[float | None] = mapped_column(Float)
    last_response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (
        CheckConstraint(_in("state", AttemptState), name="state_known"),
        Index("ix_delivery_attempts_delivery_id_number", "delivery_id", "number"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("deliveries.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), server_default=text("'completed'"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)


messaging = messaging_tables(Base.metadata)
