"""Tables of the scheduling service (schema `scheduling`).

Read models built from events (people, programs, mentorships), and what scheduling owns: sessions,
their participants' blocked time (where PostgreSQL itself prevents double-booking), reminders,
cadence proposals, calendar feeds and each organization's scheduling policy.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.contracts.scheduling import SessionFormat, SessionStatus
from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "scheduling"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


class MentorshipStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # due while nobody could send it, and the session had already begun


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


# --- read models (from profiles and matching events) ---------------------------------------------


class Person(Base):
    """What scheduling needs of a person: zone, availability, whether they are active."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    availability_overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    session_length_minutes: Mapped[int] = mapped_column(Integer)
    session_cadence: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class Mentorship(Base):
    """An accepted match: a mentor and a mentee meeting within a program."""

    __tablename__ = "mentorships"
    __table_args__ = (
        CheckConstraint(_in("status", MentorshipStatus), name="status_known"),
        Index("ix_mentorships_organization_started_at_id", "organization", "started_at", "id"),
        Index("ix_mentorships_mentor_id", "mentor_id"),
        Index("ix_mentorships_mentee_id", "mentee_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the matching service's match id
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


# --- what scheduling owns ----------------------------------------------------------------------------


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("format", SessionFormat), name="format_known"),
        CheckConstraint(_in("status", SessionStatus), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("format <> 'in_person' OR location IS NOT NULL", name="in_person_has_location"),
        CheckConstraint("format <> 'async' OR prompt IS NOT NULL", name="async_has_prompt"),
        CheckConstraint("version >= 1 AND sequence >= 0", name="versions_valid"),
        Index("ix_sessions_mentorship_id_starts_at", "mentorship_id", "starts_at"),
        Index("ix_sessions_organization_starts_at_id", "organization", "starts_at", "id"),
        Index("ix_sessions_mentor_id_starts_at", "mentor_id", "starts_at"),
        Index("ix_sessions_mentee_id_starts_at", "mentee_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    mentorship_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # For an async check-in: when it opens, and when it is due.
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meeting_url: Mapped[str | None] = mapped_column(String(2000))
    location: Mapped[str | None] = mapped_column(String(500))
    prompt: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    no_show: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    version: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionParticipant(Base):
    """The time a meeting blocks in one participant's calendar: the session plus the buffer after it.

    The exclusion constraint is the guarantee against double-booking: PostgreSQL refuses a second
    live row of the same person whose range overlaps, even when two bookings race. Canceled
    sessions free their time. Async check-ins take no calendar time, so they have no rows here.
    """

    __tablename__ = "session_participants"
    __table_args__ = (
        ExcludeConstraint(
            ("person_id", "="),
            ("blocked", "&&"),
            name="ex_session_participants_no_double_booking",
            using="gist",
            where=text("status <> 'canceled'"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    blocked: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    status: Mapped[str] = mapped_column(String(20))


class Reminder(Base):
    """A reminder due at a stored time, emitted once by the reminder job (durable, not a timer)."""

    __tablename__ = "reminders"
    __table_args__ = (
        # Per session *sequence*: a rescheduled session gets fresh reminders for its new time.
        UniqueConstraint(
            "session_id", "session_sequence", "recipient_id", "minutes_before", name="uq_reminders_once"
        ),
        CheckConstraint(_in("status", ReminderStatus), name="status_known"),
        Index("ix_reminders_pending_due_at", "due_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sessions.id", ondelete="CASCADE"))
    session_sequence: Mapped[int] = mapped_column(Integer)
    organization: Mapped[str] = mapped_column(String(100))
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    minutes_before: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProposedSession(Base):
    """The next session the cadence suggests after one completes (one per mentorship)."""

    __tablename__ = "proposed_sessions"

    mentorship_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    after_session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Empty when no common slot was found within one cadence of the due time.
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalendarFeed(Base):
    """A person's calendar subscription URL; only the hash of its secret token is kept."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
        Index("ix_calendar_feeds_organization_person_id", "organization", "person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    label: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrganizationPolicy(Base):
    """An organization's scheduling policy, when its admins changed the defaults."""

    __tablename__ = "organization_policies"
    __table_args__ = (
        CheckConstraint("buffer_minutes BETWEEN 0 AND 240", name="buffer_range"),
        CheckConstraint("minimum_notice_minutes BETWEEN 0 AND 43200", name="notice_range"),
        CheckConstraint("horizon_days BETWEEN 1 AND 365", name="horizon_range"),
        CheckConstraint("slot_grid_minutes BETWEEN 5 AND 240", name="grid_range"),
        CheckConstraint("cadence_grace_days BETWEEN 0 AND 60", name="grace_range"),
    )

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    meeting_url_template: Mapped[str | None] = mapped_column(String(2000))
    buffer_minutes: Mapped[int] = mapped_column(Integer)
    minimum_notice_minutes: Mapped[int] = mapped_column(Integer)
    horizon_days: Mapped[int] = mapped_column(Integer)
    slot_grid_minutes: Mapped[int] = mapped_column(Integer)
    reminder_minutes_before: Mapped[list[int]] = mapped_column(JSONB)
    cadence_grace_days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)
