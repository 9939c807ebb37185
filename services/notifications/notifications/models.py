"""Tables of the notifications service (schema `notifications`).

Read models built from other services' events (people, programs, matches, open feedback requests),
and the service's own data: per-organization settings and template overrides, per-person
preferences, notifications (a person's inbox), deliveries (one per notification, person and
channel, unique by idempotency key) and the delivery log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import one_of, service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "notifications"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


class DeliveryStatus(StrEnum):
    HELD = "held"  # waiting for the person's digest
    QUEUED = "queued"  # due at `due_at` (now, or after quiet hours, or after a retry's backoff)
    SENDING = "sending"  # handed to the server: recorded before the message data is sent
    SENT = "sent"
    BOUNCED = "bounced"  # refused for good by the server (5xx)
    FAILED = "failed"  # retries used up, or the destination refused
    UNKNOWN = "unknown"  # a worker stopped mid-send: never sent again (no duplicate in a mailbox)
    CANCELED = "canceled"  # the person was deactivated or turned the channel off meanwhile
    DIGESTED = "digested"  # went out inside a digest


# --- read models (from events) -----------------------------------------------------------------


class Person(Base):
    """From profiles' person events: who can be reached, where, in which language and zone."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_organization", "organization"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class Program(Base):
    """From profiles' program events: the name a message shows."""

    __tablename__ = "programs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)


class Match(Base):
    """From matching's match events: the pair and its program."""

    __tablename__ = "matches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class FeedbackRequest(Base):
    """From feedback's events: open requests, to remind a person once when one is overdue."""

    __tablename__ = "feedback_requests"
    __table_args__ = (
        Index(
            "ix_feedback_requests_due_at", "due_at", postgresql_where=text("NOT answered AND NOT reminded")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    respondent_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    reminded: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Goal(Base):
    """From workspace's goal events: whose goal is due when, to tell the mentee once as it nears."""

    __tablename__ = "goals"
    __table_args__ = (
        Index(
            "ix_goals_target_date", "target_date", postgresql_where=text("status NOT IN ('done', 'dropped')")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(Integer)
    target_date: Mapped[date | None] = mapped_column(Date)
    # The target date the mentee was last reminded of (a moved date is reminded of again).
    reminded_for: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)


# --- the service's own data ------------------------------------------------------------------------


class OrganizationSettings(Base):
    """Who gets admin notices, the chat integrations, the rate limit and the muting rule."""

    __tablename__ = "organization_settings"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Person ids of the program admins (profiles' events carry no roles): relationship-at-risk notices.
    admin_recipients: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # Whether session changes (and security notices) still reach people who muted everything.
    critical_when_muted: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    slack_webhook_url: Mapped[str | None] = mapped_column(String(2048))
    slack_bot_token: Mapped[str | None] = mapped_column(Text)  # sealed (shared.secret_box)
    slack_channel: Mapped[str | None] = mapped_column(String(100))
    teams_webhook_url: Mapped[str | None] = mapped_column(String(2048))
    # Messages per minute across channels; None = the service's default.
    rate_per_minute: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TemplateOverride(Base):
    """An organization's own wording of a kind in a language (validated when saved)."""

    __tablename__ = "template_overrides"
    __table_args__ = (PrimaryKeyConstraint("organization", "kind", "language", name="pk_template_overrides"),)

    organization: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Preferences(Base):
    """One person's choices: channels and digest per kind, quiet hours, the global off switch."""

    __tablename__ = "preferences"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    # kind -> {"channels": {"email": bool, "chat": bool, "inbox": bool}, "digest": "off|daily|weekly"}
    kinds: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # HH:MM, the person's own zone
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    muted: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Notification(Base):
    """Something a person is told once per event: their inbox entry, and what deliveries render."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("person_id", "source_key", "kind", name="uq_notifications_person_id"),
        Index("ix_notifications_person_id_seq", "person_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # The live stream's order and the SSE event id.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(50))
    # The event id (or the id of what a job noticed) this notification is about.
    source_key: Mapped[str] = mapped_column(String(100))
    # What templates render: ids, names and times (never another person's private text).
    context: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The subject in the person's language, rendered when the notification was created (the inbox
    # and the live stream show it; digests list it).
    title: Mapped[str] = mapped_column(String(300))
    in_inbox: Mapped[bool] = mapped_column(Boolean)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Delivery(Base):
    """One notification (or digest) to one person on one channel: exactly once, by `key`."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(one_of("status", DeliveryStatus), name="status_known"),
        Index("ix_deliveries_due", "due_at", postgresql_where=text("status = 'queued'")),
        Index("ix_deliveries_sending", "lease_until", postgresql_where=text("status = 'sending'")),
        Index("ix_deliveries_held", "person_id", "due_at", postgresql_where=text("status = 'held'")),
        Index("ix_deliveries_organization_created_at", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # The idempotency key: `<source>:<person>:<channel>`; a redelivered event inserts nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The notification, or for a digest the first of the notifications it gathers (`items`).
    notification_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    items: Mapped[list[str] | None] = mapped_column(JSONB)
    kind: Mapped[str] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by each claim: a late result of an older claim is not recorded over a newer one.
    claim_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_response: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeliveryLogEntry(Base):
    """What happened to a delivery, step by step, with the server's or the provider's answer."""

    __tablename__ = "delivery_log"
    __table_args__ = (Index("ix_delivery_log_delivery_id", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    organization: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


messaging = messaging_tables(Base.metadata)
