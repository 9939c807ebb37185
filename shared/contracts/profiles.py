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

from shared.contracts.privacy import accountability_events
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
    PERSONALITY = "personality"
    WORKING_STYLE = "working_style"
    INTAKE = "intake"


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
    # Modest, so expertise and availability still lead; people who did not answer score neutral.
    ScoreComponent.PERSONALITY: 0.05,
    ScoreComponent.WORKING_STYLE: 0.05,
    ScoreComponent.INTAKE: 0.05,
}


class EnrollmentRole(StrEnum):
    MENTOR = "mentor"  # in a circle program: a facilitator; in a reverse program: the junior who teaches
    MENTEE = "mentee"
    PEER = "peer"  # the one role of a peer program: each peer teaches and learns


class ProgramFormat(StrEnum):
    """How a program's people meet: pairs, groups, single sessions, equals, or junior teaching senior."""

    ONE_TO_ONE = "one_to_one"  # long-running mentor-mentee pairs
    CIRCLE = "circle"  # one or a few facilitators with a group of mentees around a topic
    FLASH = "flash"  # single sessions booked in a mentor's office hours
    PEER = "peer"  # pairs of equals who teach each other
    REVERSE = "reverse"  # the junior person is the mentor


class SeniorityDirection(StrEnum):
    """Which way the seniority score component points."""

    MENTOR_SENIOR = "mentor_senior"  # the mentor a few levels above the mentee (one-to-one, circles)
    MENTOR_JUNIOR = "mentor_junior"  # the mentor a few levels below (reverse mentoring)
    EITHER = "either"  # within the seniority band either way (peers; or reverse without a direction)


class EnrollmentStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class PersonalityTrait(StrEnum):
    """The Big Five traits as the Mini-IPIP measures them (Donnellan et al. 2006)."""

    EXTRAVERSION = "extraversion"
    AGREEABLENESS = "agreeableness"
    CONSCIENTIOUSNESS = "conscientiousness"
    NEUROTICISM = "neuroticism"
    INTELLECT = "intellect"  # Intellect/Imagination


class TraitFit(StrEnum):
    """How a program compares one trait of a mentee and a mentor."""

    SIMILAR = "similar"
    COMPLEMENTARY = "complementary"
    IGNORED = "ignored"


class CommunicationMode(StrEnum):
    VIDEO = "video"
    CHAT = "chat"
    ASYNC_WRITTEN = "async_written"


class IntakeCriterionKind(StrEnum):
    """How matching uses a choice question of a program's intake."""

    MUST_MATCH = "must_match"  # a hard filter: mentor and mentee share an answer
    PREFER_MATCH = "prefer_match"  # the `intake` score component rewards a shared answer
    PREFER_DIFFERENT = "prefer_different"  # ... and here different answers


class SelfIdentificationPurpose(StrEnum):
    """What a person allows their self-identification to be used for (each consented apart)."""

    FAIRNESS_REPORTS = "fairness_reports"  # counted in anonymous fairness reports
    MATCHING_PREFERENCE = "matching_preference"  # match me with someone who shares it


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


class IntakeOption(_State):
    id: str
    label: str


class IntakeCriterion(_State):
    """A choice question of a program's intake, asked of mentees and mentors, that matching uses."""

    question_id: uuid.UUID
    prompt: str
    kind: IntakeCriterionKind
    options: list[IntakeOption]


class CircleSettings(_State):
    """A circle program's group shape: mentees per circle and facilitators per circle."""

    min_size: int = Field(default=4, description="Fewest mentees a circle is formed with")
    max_size: int = Field(default=8, description="Most mentees in one circle")
    facilitators: int = Field(default=1, description="Facilitators (enrolled as mentors) per circle")


class FlashSettings(_State):
    """A flash program's single sessions: their length and how many a mentor offers per month."""

    session_minutes: int = Field(default=30, description="Length of one flash session")
    sessions_per_month: int = Field(
        default=4, description="Flash sessions a mentor offers per calendar month (in the mentor's zone)"
    )


class PeerSettings(_State):
    """A peer program's notion of equals."""

    seniority_band: int = Field(default=1, description="At most this many seniority levels apart")


class FormatSettings(_State):
    """The settings of the program's format: the part of its format is always filled (defaults),
    the others are null."""

    circle: CircleSettings | None = None
    flash: FlashSettings | None = None
    peer: PeerSettings | None = None
    seniority_direction: SeniorityDirection = Field(
        default=SeniorityDirection.MENTOR_SENIOR,
        description="Which way the seniority component points (reverse: mentor_junior; peer: either)",
    )


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
    personality_fit: dict[PersonalityTrait, TraitFit] = Field(
        default={}, description="Per trait, similarity or complementarity; traits left out: similar"
    )
    intake_criteria: list[IntakeCriterion] = Field(
        default=[], description="The intake's choice questions matching uses (filter or preference)"
    )
    format: ProgramFormat = Field(
        default=ProgramFormat.ONE_TO_ONE, description="How its people meet; fixed once matches exist"
    )
    format_settings: FormatSettings = Field(
        default=FormatSettings(), description="The settings of its format (the others' are null)"
    )


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
    matching_answers: dict[str, list[str]] = Field(
        default={},
        description=(
            "Answers to the program's matching-criterion questions only (question id -> option ids); "
            "other intake answers stay in profiles"
        ),
    )


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


class TraitScores(_State):
    """Mini-IPIP trait scores: each the mean of the trait's four items after reverse keying (1 to 5)."""

    extraversion: float
    agreeableness: float
    conscientiousness: float
    neuroticism: float
    intellect: float


class WorkingStyle(_State):
    """How a person likes to work with a mentor or mentee; every part is optional."""

    communication: list[CommunicationMode] = []
    meeting_rhythm: SessionCadence | None = None
    feedback_directness: int | None = Field(
        default=None, description="1 (gentle) to 5 (very direct): wanted by a mentee, given by a mentor"
    )
    structure: int | None = Field(default=None, description="1 (a structured plan) to 5 (open exploration)")
    challenge: int | None = Field(
        default=None, description="1 to 5: how much a mentee wants to be challenged, a mentor challenges"
    )


class PersonalityState(_State):
    """The result that counts (the latest taken); both parts null when none was taken or it was erased."""

    person_id: uuid.UUID
    organization: str
    version: int
    traits: TraitScores | None = None
    working_style: WorkingStyle | None = None
    taken_at: dt.datetime | None = None
    updated_at: dt.datetime


class IdentityGroup(_State):
    """A pseudonymous group: everyone of the organization who gave the same value for the attribute
    has the same key (an HMAC with the organization's secret); the value never leaves profiles."""

    attribute: str
    group_key: str


class SelfIdentificationState(_State):
    """What a person's consents let matching use of their self-identification: never a value."""

    person_id: uuid.UUID
    organization: str
    version: int
    fairness_groups: list[IdentityGroup] = Field(
        default=[], description="Attributes the person lets count in anonymous fairness reports"
    )
    matching_groups: list[IdentityGroup] = Field(
        default=[], description="Attributes the person asked to be matched on (with someone who shares it)"
    )
    updated_at: dt.datetime


class PersonalityUpdated(Event):
    """A person took or retook the personality and working-style questionnaire, or erased it."""

    event_type: ClassVar[EventType] = EventType("profiles", "personality", "updated", 1)
    confidential: ClassVar[bool] = True
    personality: PersonalityState


class SelfIdentificationUpdated(Event):
    """What matching may use of a person's self-identification changed (consent given or revoked, erased)."""

    event_type: ClassVar[EventType] = EventType("profiles", "self_identification", "updated", 1)
    confidential: ClassVar[bool] = True
    self_identification: SelfIdentificationState


class PersonErased(Event):
    """A deactivated person was erased: profiles anonymized them (name, email, free text; their id
    stays, shown as "former member"). Every other service now erases or anonymizes what it holds on
    them and confirms with its `personal_data.erased`; published again when the erasure is retried."""

    event_type: ClassVar[EventType] = EventType("profiles", "person", "erased", 1)
    person_id: uuid.UUID
    erasure_id: uuid.UUID
    version: int = Field(description="The person's version after the anonymization")


# Its audit entries, its part of a person's export, its confirmation of an erasure (privacy.py).
AuditRecorded, PersonalDataExported, PersonalDataErased = accountability_events("profiles", __name__)
