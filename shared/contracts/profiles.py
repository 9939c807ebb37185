"""Events the profiles service publishes, and the vocabulary (enumerations) they carry.

Every event carries the entity's FULL current state and its `version` (+1 on every change), so a
consumer can build a read model from events alone and drop an event older than what it holds.
State models ignore unknown fields, so adding a field is not a breaking change for consumers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Event, EventType


class Seniority(StrEnum):
    INTERN = "intern"
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"
    PRINCIPAL = "principal"
    DIRECTOR = "director"
    EXECUTIVE = "executive"


class Guidance(StrEnum):
    """What kind of guidance a mentee wants (or a mentor offers)."""

    TECHNICAL = "technical"
    CAREER = "career"
    PROFESSIONAL_DEVELOPMENT = "professional_development"


class LearningStyle(StrEnum):
    HANDS_ON = "hands_on"
    DISCUSSION = "discussion"
    STRUCTURED = "structured"
    SELF_DIRECTED = "self_directed"
    VISUAL = "visual"


class ProgramObjective(StrEnum):
    ONBOARDING = "onboarding"
    LEADERSHIP = "leadership"
    TECHNICAL_SKILLS = "technical_skills"
    DIVERSITY_INCLUSION = "diversity_inclusion"
    CAREER_GROWTH = "career_growth"


class MatchingMode(StrEnum):
    ADMIN_APPROVED = "admin_approved"
    MENTEE_CHOICE = "mentee_choice"
    AUTOMATIC = "automatic"


class SessionCadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class ScoreComponent(StrEnum):
    """The parts of a match score a program can weigh."""

    SKILLS = "skills"
    GOALS = "goals"
    GUIDANCE = "guidance"
    AVAILABILITY = "availability"
    SENIORITY = "seniority"
    SPECIALIZATION = "specialization"
    PREFERENCES = "preferences"
    LANGUAGES = "languages"


# The weight of each component when a program sets none: the one definition profiles stores on new
# programs and matching falls back to. Programs created before it was unified keep the weights they
# were stored with (these values: profiles' copy was the one every program got).
DEFAULT_SCORE_WEIGHTS: dict[ScoreComponent, float] = {
    ScoreComponent.SKILLS: 0.30,
    ScoreComponent.GOALS: 0.15,
    ScoreComponent.GUIDANCE: 0.10,
    ScoreComponent.AVAILABILITY: 0.15,
    ScoreComponent.SENIORITY: 0.10,
    ScoreComponent.SPECIALIZATION: 0.05,
    ScoreComponent.PREFERENCES: 0.05,
    ScoreComponent.LANGUAGES: 0.10,
}


class EnrollmentRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class EnrollmentStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SkillLevel(_State):
    skill: str = Field(description="Skill slug from the default taxonomy or the organization's own")
    level: int = Field(description="1 (aware) to 5 (expert)")


class LearningInterest(_State):
    skill: str
    current_level: int | None = None
    target_level: int


class AvailabilityWindow(_State):
    """A weekly window in the person's local time (their `time_zone`)."""

    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    start: str = Field(description="HH:MM, local time")
    end: str = Field(description="HH:MM, local time, after start (24:00 = end of day)")


class TimeWindow(_State):
    start: str
    end: str


class AvailabilityOverride(_State):
    """A dated exception to the weekly windows: unavailable that day, or other windows instead."""

    date: dt.date
    unavailable: bool
    windows: list[TimeWindow] = []
    reason: str | None = None


class PersonState(_State):
    id: uuid.UUID
    organization: str
    version: int
    external_id: str | None = None
    email: str
    name: str
    title: str | None = None
    department: str | None = None
    manager_id: uuid.UUID | None = None
    seniority: Seniority | None = None
    years_of_experience: int | None = None
    time_zone: str = Field(description="IANA time zone, e.g. Europe/Paris")
    languages: list[str] = Field(description="ISO 639-1 codes")
    bio: str | None = None
    skills: list[SkillLevel] = []
    learning_interests: list[LearningInterest] = []
    goals: list[str] = []
    guidance: list[Guidance] = []
    specializations: list[str] = []
    learning_style: LearningStyle | None = None
    availability: list[AvailabilityWindow] = []
    availability_overrides: list[AvailabilityOverride] = []
    mentor_capacity: int
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProgramState(_State):
    id: uuid.UUID
    organization: str
    version: int
    name: str
    objective: ProgramObjective
    description: str | None = None
    cohort_start: dt.date
    cohort_end: dt.date
    matching_mode: MatchingMode
    score_weights: dict[ScoreComponent, float]
    session_length_minutes: int
    session_cadence: SessionCadence
    checkin_cadence_days: int
    exclude_same_department: bool
    status: ProgramStatus
    created_at: dt.datetime
    updated_at: dt.datetime


class EnrollmentState(_State):
    id: uuid.UUID
    organization: str
    version: int
    program_id: uuid.UUID
    person_id: uuid.UUID
    role: EnrollmentRole
    goals: list[str] = []
    status: EnrollmentStatus
    mentor_capacity: int | None = Field(
        default=None, description="Overrides the person's mentor capacity in this program"
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class SkillState(_State):
    """A skill an organization added to the default taxonomy."""

    organization: str
    slug: str
    label: str
    category: str
    created_at: dt.datetime


class PersonCreated(Event):
    """A person was added to an organization (by an admin or the HR integration)."""

    event_type: ClassVar[EventType] = EventType("profiles", "person", "created", 1)
    person: PersonState


class PersonUpdated(Event):
    """A person's profile changed; `changed` names the fields that did."""

    event_type: ClassVar[EventType] = EventType("profiles", "person", "updated", 1)
    person: PersonState
    changed: list[str] = []


class PersonDeactivated(Event):
    """A person was deactivated (left the organization or paused): no new matches or sessions."""

    event_type: ClassVar[EventType] = EventType("profiles", "person", "deactivated", 1)
    person: PersonState


class PersonReactivated(Event):
    """A deactivated person was reactivated."""

    event_type: ClassVar[EventType] = EventType("profiles", "person", "reactivated", 1)
    person: PersonState


class ProgramCreated(Event):
    """A mentorship program was created."""

    event_type: ClassVar[EventType] = EventType("profiles", "program", "created", 1)
    program: ProgramState


class ProgramUpdated(Event):
    """A program changed (settings, weights or status); `changed` names the fields that did."""

    event_type: ClassVar[EventType] = EventType("profiles", "program", "updated", 1)
    program: ProgramState
    changed: list[str] = []


class EnrollmentCreated(Event):
    """A person was enrolled in a program as mentor or mentee."""

    event_type: ClassVar[EventType] = EventType("profiles", "enrollment", "created", 1)
    enrollment: EnrollmentState


class EnrollmentUpdated(Event):
    """An enrollment changed (goals, status or capacity); `changed` names the fields that did."""

    event_type: ClassVar[EventType] = EventType("profiles", "enrollment", "updated", 1)
    enrollment: EnrollmentState
    changed: list[str] = []


class EnrollmentWithdrawn(Event):
    """A person withdrew (or was withdrawn) from a program."""

    event_type: ClassVar[EventType] = EventType("profiles", "enrollment", "withdrawn", 1)
    enrollment: EnrollmentState


class SkillCreated(Event):
    """An organization added a custom skill to its taxonomy."""

    event_type: ClassVar[EventType] = EventType("profiles", "skill", "created", 1)
    skill: SkillState
