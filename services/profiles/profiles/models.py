"""Tables of the profiles service (schema `profiles`): people, custom skills, programs, enrollments,
the SCIM identities of provisioned people, and bulk imports.

List-ish profile attributes (skills, availability, ...) are JSONB documents validated by the API
schemas before they are written; levels, capacities and ranges are also held by check constraints.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from profiles.imports.model import ImportStatus
from profiles.intake import QuestionKind
from shared.contracts.profiles import (
    EnrollmentRole,
    EnrollmentStatus,
    MatchingMode,
    ProgramFormat,
    ProgramObjective,
    ProgramStatus,
    Seniority,
    SessionCadence,
)
from shared.db import service_metadata
from shared.messaging_tables import messaging_tables

SCHEMA = "profiles"


class Base(DeclarativeBase):
    # This service's schema with the project's naming convention (shared.db.service_metadata).
    metadata = service_metadata(SCHEMA)


_EMPTY_LIST = text("'[]'::jsonb")
_EMPTY_OBJECT = text("'{}'::jsonb")


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        # (organization, id) is what other rows reference, so a manager or an enrollment can only
        # ever point at a person of the same organization.
        UniqueConstraint("organization", "id", name="uq_people_organization_id"),
        UniqueConstraint("organization", "email", name="uq_people_organization_email"),
        UniqueConstraint("organization", "external_id", name="uq_people_organization_external_id"),
        ForeignKeyConstraint(
            ["organization", "manager_id"],
            ["people.organization", "people.id"],
            name="fk_people_manager",
        ),
        CheckConstraint("mentor_capacity BETWEEN 0 AND 20", name="mentor_capacity_range"),
        CheckConstraint("years_of_experience BETWEEN 0 AND 60", name="years_of_experience_range"),
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint(_in("seniority", Seniority), name="seniority_known"),
        CheckConstraint(
            "jsonb_typeof(languages) = 'array' AND jsonb_array_length(languages) > 0",
            name="languages_not_empty",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_people_organization_created_at_id", "organization", "created_at", "id"),
        Index("ix_people_manager_id", "manager_id"),
        Index(
            "ix_people_skills", "skills", postgresql_using="gin", postgresql_ops={"skills": "jsonb_path_ops"}
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    manager_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seniority: Mapped[str | None] = mapped_column(String(20))
    years_of_experience: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSONB)
    bio: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    learning_interests: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    goals: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    guidance: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    specializations: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    learning_style: Mapped[str | None] = mapped_column(String(30))
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    availability_overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    mentor_capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # When the person was erased (issue 20): their row is anonymized, and never changed or
    # reactivated again.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustomSkill(Base):
    """A skill an organization added to the default taxonomy."""

    __tablename__ = "custom_skills"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("organization", "id", name="uq_programs_organization_id"),
        CheckConstraint("cohort_end > cohort_start", name="cohort_end_after_start"),
        CheckConstraint("session_length_minutes BETWEEN 15 AND 240", name="session_length_range"),
        CheckConstraint("checkin_cadence_days BETWEEN 1 AND 90", name="checkin_cadence_range"),
        CheckConstraint(_in("objective", ProgramObjective), name="objective_known"),
        CheckConstraint(_in("matching_mode", MatchingMode), name="matching_mode_known"),
        CheckConstraint(_in("session_cadence", SessionCadence), name="cadence_known"),
        CheckConstraint(_in("status", ProgramStatus), name="status_known"),
        CheckConstraint(_in("format", ProgramFormat), name="format_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_programs_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    cohort_start: Mapped[date] = mapped_column(Date)
    cohort_end: Mapped[date] = mapped_column(Date)
    matching_mode: Mapped[str] = mapped_column(String(30))
    score_weights: Mapped[dict[str, float]] = mapped_column(JSONB)
    session_length_minutes: Mapped[int] = mapped_column(Integer)
    session_cadence: Mapped[str] = mapped_column(String(20))
    checkin_cadence_days: Mapped[int] = mapped_column(Integer)
    exclude_same_department: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Per personality trait: similar or complementary (traits left out: similar).
    personality_fit: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default=_EMPTY_OBJECT)
    # The intake questions matching uses, as ProgramState carries them (derived from intake_questions).
    intake_criteria: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=_EMPTY_LIST
    )
    # How its people meet, and that format's settings (`FormatSettings` as ProgramState carries it).
    format: Mapped[str] = mapped_column(String(20), server_default=text("'one_to_one'"))
    format_settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=_EMPTY_OBJECT)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One role per person and program: mentor in one program, mentee in another is fine.
        UniqueConstraint("program_id", "person_id", name="uq_enrollments_program_id_person_id"),
        ForeignKeyConstraint(
            ["organization", "program_id"],
            ["programs.organization", "programs.id"],
            name="fk_enrollments_program",
        ),
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_enrollments_person",
        ),
        CheckConstraint(_in("role", EnrollmentRole), name="role_known"),
        CheckConstraint(_in("status", EnrollmentStatus), name="status_known"),
        CheckConstraint(
            "mentor_capacity IS NULL OR (role = 'mentor' AND mentor_capacity BETWEEN 0 AND 20)",
            name="mentor_capacity_range",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_enrollments_person_id", "person_id"),
        Index("ix_enrollments_program_id_created_at_id", "program_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(10))
    goals: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    status: Mapped[str] = mapped_column(String(20))
    mentor_capacity: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Answers to the program's intake (question id -> answer), and the part matching receives: the
    # answers to criterion questions as option id lists (what EnrollmentState last carried).
    intake_answers: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=_EMPTY_OBJECT)
    matching_answers: Mapped[dict[str, list[str]]] = mapped_column(
        JSONB, default=dict, server_default=_EMPTY_OBJECT
    )


class ScimIdentity(Base):
    """What SCIM knows of a person beyond the profile: the `userName` it was provisioned under, the
    attributes the profile keeps in another form (name parts, email types), and whether the
    identity provider deleted them.

    A person without a row here (added through the API or a bulk import) is still visible through
    SCIM, with their email as `userName`; the row is written on the first SCIM change.
    """

    __tablename__ = "scim_identities"
    __table_args__ = (
        # userName is unique per organization, compared case-insensitively (RFC 7643 §4.1.1).
        UniqueConstraint(
            "organization", "user_name_key", name="uq_scim_identities_organization_user_name_key"
        ),
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_scim_identities_person",
        ),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    user_name: Mapped[str] = mapped_column(String(320))
    user_name_key: Mapped[str] = mapped_column(String(320))
    # SCIM-only attributes (displayName, name, emails, preferredLanguage) as the provider sent them.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Bumped when these attributes change, so the SCIM version changes with the representation.
    revision: Mapped[int] = mapped_column(Integer)
    # A SCIM DELETE deactivates the person and hides them from SCIM (a later GET is a 404).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ImportJob(Base):
    """A bulk import of people: the parsed rows, progress and the result summary. The work itself
    is a task on the job runner (`profiles.imports.job`); these counters say where it stands."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(_in("status", ImportStatus), name="status_known"),
        CheckConstraint("format IN ('csv', 'json')", name="format_known"),
        CheckConstraint(
            "processed BETWEEN 0 AND total"
            " AND created >= 0 AND updated >= 0 AND skipped >= 0 AND failed >= 0",
            name="counters_in_range",
        ),
        Index("ix_import_jobs_organization_created_at_id", "organization", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    # Who started it, to run the rows' use cases on their behalf.
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_roles: Mapped[list[str]] = mapped_column(JSONB)
    format: Mapped[str] = mapped_column(String(10))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    # Per-row errors, capped (the count of failed rows is exact).
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    ignored_columns: Mapped[list[str]] = mapped_column(JSONB)
    # The parsed rows in processing order (managers before the people reporting to them).
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, deferred=True)
    failure: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# -- program intake ------------------------------------------------------------------------------


class IntakeQuestion(Base):
    """A question of a program's intake, asked at enrollment of mentees, mentors or both."""

    __tablename__ = "intake_questions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization", "program_id"],
            ["programs.organization", "programs.id"],
            name="fk_intake_questions_program",
        ),
        CheckConstraint(_in("kind", QuestionKind), name="kind_known"),
        CheckConstraint(
            "criterion IS NULL OR criterion IN ('must_match', 'prefer_match', 'prefer_different')",
            name="criterion_known",
        ),
        CheckConstraint(
            "kind <> 'scale' OR (scale_min IS NOT NULL AND scale_max > scale_min)", name="scale_bounds"
        ),
        Index("ix_intake_questions_program_id_position", "program_id", "position"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    program_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(JSONB)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    scale_min: Mapped[int | None] = mapped_column(Integer)
    scale_max: Mapped[int | None] = mapped_column(Integer)
    criterion: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- personality and working style ---------------------------------------------------------------


class PersonalityResult(Base):
    """One take of the questionnaire: the answers as given and the scores; the history a person sees."""

    __tablename__ = "personality_results"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_personality_results_person",
        ),
        Index("ix_personality_results_person_id_taken_at_id", "person_id", "taken_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    item_answers: Mapped[list[int] | None] = mapped_column(JSONB)
    traits: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    working_style: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PersonalityProfile(Base):
    """The result that counts (the latest), as PersonalityState carries it. Erasing keeps the row with
    no result, so its version keeps growing and matching drops what it held."""

    __tablename__ = "personality_profiles"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_personality_profiles_person",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    result_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    traits: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    working_style: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- consented self-identification ---------------------------------------------------------------
# Apart from the profile: values are sealed (shared.secret_box) and never part of a person's
# document, a list, an export for admins, SCIM or an event.


class SelfIdAttribute(Base):
    """An attribute an organization lets people self-identify on, its values and allowed purposes."""

    __tablename__ = "self_id_attributes"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    values: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    purposes: Mapped[list[str]] = mapped_column(JSONB)
    enabled: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SelfIdSecret(Base):
    """The organization's secret for pseudonymous group keys (sealed); it never leaves profiles."""

    __tablename__ = "self_id_secrets"

    organization: Mapped[str] = mapped_column(String(100), primary_key=True)
    sealed_secret: Mapped[str] = mapped_column(Text)
    key_fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SelfIdentification(Base):
    """A person's value for one attribute (sealed) and the purposes they consent to now."""

    __tablename__ = "self_identifications"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization", "person_id"],
            ["people.organization", "people.id"],
            name="fk_self_identifications_person",
        ),
        ForeignKeyConstraint(
            ["organization", "attribute"],
            ["self_id_attributes.organization", "self_id_attributes.slug"],
            name="fk_self_identifications_attribute",
        ),
        CheckConstraint("jsonb_array_length(purposes) > 0", name="purposes_not_empty"),
        Index("ix_self_identifications_organization_attribute", "organization", "attribute"),
        Index("ix_self_identifications_key_fingerprint", "key_fingerprint"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    attribute: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    sealed_value: Mapped[str] = mapped_column(Text)
    # Which key sealed it (a short hash of the key), so the reseal job finds what an old key sealed.
    key_fingerprint: Mapped[str] = mapped_column(String(16))
    purposes: Mapped[list[str]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SelfIdConsent(Base):
    """The consent record: who gave or revoked consent, for which attribute and purpose, and when
    (never the value)."""

    __tablename__ = "self_id_consents"
    __table_args__ = (
        CheckConstraint("action IN ('granted', 'revoked')", name="action_known"),
        Index("ix_self_id_consents_person_id_recorded_at_id", "person_id", "recorded_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    attribute: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(10))
    # The subject of the token that made the change (the person; an admin when an attribute changed).
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SelfIdState(Base):
    """The version of what matching was last told of a person's self-identification (no value, no
    attribute): it keeps growing across revocations and erasure so matching orders the events."""

    __tablename__ = "self_id_states"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MatchedProgram(Base):
    """A program some match or circle was made in, as matching's events told (read model): its
    format is fixed from then on."""

    __tablename__ = "matched_programs"

    program_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization: Mapped[str] = mapped_column(String(100))
    first_matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


messaging = messaging_tables(Base.metadata)
