"""Tables of the scheduling service (schema `scheduling`).

Read models built from events (people, programs, matches; programs' agreement rules and signed
agreements from workspace), and what scheduling owns: sessions,
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
from shared.db import one_of, service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "scheduling"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


class MatchStatus(StrEnum):
    """Where a match stands for scheduling: it takes sessions while active."""

    ACTIVE = "active"
    ENDED = "ended"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # due while nobody could send it, and the session had already begun


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
    # Skills and levels (profiles' SkillLevel), so mentees find flash mentors by skill.
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    session_length_minutes: Mapped[int] = mapped_column(Integer)
    session_cadence: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    # Its format (one_to_one, circle, flash, ...) and that format's settings (profiles' FormatSettings).
    format: Mapped[str] = mapped_column(String(20), server_default=text("'one_to_one'"))
    format_settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class Enrollment(Base):
    """Who is enrolled in which program as what (profiles' enrollments): flash office hours and
    bookings are for a flash program's mentors and mentees."""

    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_program_id_person_id", "program_id", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class Circle(Base):
    """A circle as matching told (accepted ones only): it takes sessions while active."""

    __tablename__ = "circles"
    __table_args__ = (CheckConstraint(one_of("status", MatchStatus), name="status_known"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # matching's circle id
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    topic: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class CircleMember(Base):
    """A facilitator or member of a circle; `active` until they leave it."""

    __tablename__ = "circle_members"
    __table_args__ = (Index("ix_circle_members_person_id", "person_id"),)

    circle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)


class Match(Base):
    """An accepted match: a mentor and a mentee meeting within a program."""

    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint(one_of("status", MatchStatus), name="status_known"),
        Index("ix_matches_organization_started_at_id", "organization", "started_at", "id"),
        Index("ix_matches_mentor_id", "mentor_id"),
        Index("ix_matches_mentee_id", "mentee_id"),
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


class AgreementRule(Base):
    """Whether a program requires the pair's agreement signed before their first session
    (workspace's `program_settings.updated`); a program without a row requires none."""

    __tablename__ = "agreement_rules"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    required: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class SignedAgreement(Base):
    """A pair whose members both signed their agreement (workspace's `agreement.signed`): the
    first version both signed is enough, so a later edit awaiting signatures blocks nothing."""

    __tablename__ = "signed_agreements"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- what scheduling owns ----------------------------------------------------------------------------


class Session(Base):
    """A session of a pair; a facilitated check-in has a program admin as a third participant
    (`facilitator_id`), whose time it blocks too."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(one_of("format", SessionFormat), name="format_known"),
        CheckConstraint(one_of("status", SessionStatus), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("format <> 'in_person' OR location IS NOT NULL", name="in_person_has_location"),
        CheckConstraint("format <> 'async' OR prompt IS NOT NULL", name="async_has_prompt"),
        CheckConstraint("version >= 1 AND sequence >= 0", name="versions_valid"),
        Index("ix_sessions_match_id_starts_at", "match_id", "starts_at"),
        Index("ix_sessions_organization_starts_at_id", "organization", "starts_at", "id"),
        Index("ix_sessions_mentor_id_starts_at", "mentor_id", "starts_at"),
        Index("ix_sessions_mentee_id_starts_at", "mentee_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    match_id: Mapped[uuid.UUID] = mapped_column(Uuid)
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
    facilitator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


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

    # A pair session's, a circle session's or a flash session's id (`kind` says which table): one
    # person's time is one resource, whatever kind of session takes it.
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    blocked: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), server_default=text("'pair'"))


class Reminder(Base):
    """A reminder due at a stored time, emitted once by the reminder job (durable, not a timer)."""

    __tablename__ = "reminders"
    __table_args__ = (
        # Per session *sequence*: a rescheduled session gets fresh reminders for its new time.
        UniqueConstraint(
            "session_id", "session_sequence", "recipient_id", "minutes_before", name="uq_reminders_once"
        ),
        CheckConstraint(one_of("status", ReminderStatus), name="status_known"),
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
    """The next session the cadence suggests after one completes (one per match)."""

    __tablename__ = "proposed_sessions"

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
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


class CircleSession(Base):
    """A session of a circle: every active member attends; each one's time is blocked in
    `session_participants` (kind `circle`), under the same no-double-booking constraint as pairs."""

    __tablename__ = "circle_sessions"
    __table_args__ = (
        CheckConstraint("format IN ('video', 'in_person')", name="format_known"),
        CheckConstraint(one_of("status", SessionStatus), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("format <> 'in_person' OR location IS NOT NULL", name="in_person_has_location"),
        CheckConstraint("version >= 1 AND sequence >= 0", name="versions_valid"),
        Index("ix_circle_sessions_circle_id_starts_at", "circle_id", "starts_at"),
        Index("ix_circle_sessions_organization_starts_at_id", "organization", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    circle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meeting_url: Mapped[str | None] = mapped_column(String(2000))
    location: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # [{person_id, role, status}]: who attends (status `left` once they left the circle).
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfficeHours(Base):
    """A mentor's recurring weekly office hours in a flash program, in the mentor's own zone."""

    __tablename__ = "office_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "end_minute > start_minute AND start_minute >= 0 AND end_minute <= 1440", name="window"
        ),
        Index("ix_office_hours_program_id_mentor_id", "program_id", "mentor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday, in the mentor's zone
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FlashSession(Base):
    """One session a mentee booked in a mentor's office hours. It counts towards the mentor's
    monthly flash limit (`month`, in the mentor's zone), never towards long-term capacity."""

    __tablename__ = "flash_sessions"
    __table_args__ = (
        CheckConstraint(one_of("status", SessionStatus), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint("version >= 1 AND sequence >= 0", name="versions_valid"),
        # A slot is booked once (the exclusion constraint on the mentor's time says so too).
        Index(
            "uq_flash_sessions_live_slot",
            "mentor_id",
            "starts_at",
            unique=True,
            postgresql_where=text("status <> 'canceled'"),
        ),
        Index("ix_flash_sessions_mentor_id_month", "mentor_id", "month"),
        Index("ix_flash_sessions_mentee_id_starts_at", "mentee_id", "starts_at"),
        Index("ix_flash_sessions_organization_starts_at_id", "organization", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    mentee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    office_hours_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    skill: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    month: Mapped[str] = mapped_column(String(7))
    meeting_url: Mapped[str | None] = mapped_column(String(2000))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    follow_up_program_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    mentor_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mentee_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)
