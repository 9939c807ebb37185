"""Request and response bodies of the profiles API (the tables are in models.py, the events in
shared/contracts/profiles.py).

Request bodies reject unknown fields, so a typo is a 422 rather than a silently ignored change.

Who sees what of a person (`view` in every person response):

- `full` (the person themself, admins and the HR integration): everything, as in `PersonState`.
- `public` (mentors and mentees who share a program with the person, through a pending or
  active enrollment): what a mentor or mentee needs to choose and meet someone: name, title,
  department, seniority, time zone, languages, bio, skills, specializations, guidance, weekly
  availability. Not shared: email, external id, manager, years of experience, learning interests,
  goals, learning style, dated availability overrides (their reasons are personal), capacity.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Self
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from profiles.availability import minutes, overlaps
from profiles.languages import is_language_code
from profiles.taxonomy import SLUG_PATTERN, SkillCategory
from shared.contracts.profiles import (
    AvailabilityOverride,
    AvailabilityWindow,
    EnrollmentRole,
    EnrollmentStatus,
    Guidance,
    LearningInterest,
    LearningStyle,
    MatchingMode,
    ProgramObjective,
    ProgramStatus,
    ScoreComponent,
    Seniority,
    SessionCadence,
    SkillLevel,
)

# --- field types -------------------------------------------------------------------------------


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[str, _text(200)]
ShortText = Annotated[str, _text(200)]
LongText = Annotated[str, _text(4000)]
Goal = Annotated[str, _text(500)]
Level = Annotated[int, Field(ge=1, le=5)]
SkillSlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
MentorCapacity = Annotated[int, Field(ge=0, le=20)]
HourMinute = Annotated[
    str,
    StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
    Field(description="HH:MM in 24-hour local time; 24:00 is the end of the day", examples=["09:30"]),
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.fullmatch(value):
        raise ValueError("not a valid email address")
    return value


def _time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)")
    return value


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _languages(values: list[str]) -> list[str]:
    codes = [value.strip().lower() for value in values]
    unknown = [code for code in codes if not is_language_code(code)]
    if unknown:
        raise ValueError(f"not ISO 639-1 language codes: {', '.join(unknown)}")
    if len(set(codes)) != len(codes):
        raise ValueError("languages must not repeat")
    return codes


def _distinct(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values


def _distinct_skills(values: list[Any]) -> list[Any]:
    slugs = [value.skill for value in values]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        raise ValueError(f"each skill may appear once; repeated: {', '.join(repeated)}")
    return values


def _weekly(values: list[WeeklyWindow]) -> list[WeeklyWindow]:
    for weekday in range(7):
        day = [(minutes(w.start), minutes(w.end)) for w in values if w.weekday == weekday]
        if overlaps(day):
            raise ValueError(f"availability windows overlap on weekday {weekday}")
    return sorted(values, key=lambda w: (w.weekday, w.start))


def _overrides(values: list[AvailabilityOverrideIn]) -> list[AvailabilityOverrideIn]:
    dates = [value.date for value in values]
    if len(set(dates)) != len(dates):
        raise ValueError("each date may have one override")
    return sorted(values, key=lambda value: value.date)


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
TimeZone = Annotated[str, Field(examples=["Europe/Paris"]), AfterValidator(_time_zone)]
Languages = Annotated[
    list[Annotated[str, StringConstraints(max_length=8)]],
    Field(min_length=1, max_length=20, description="ISO 639-1 codes", examples=[["en", "fr"]]),
    AfterValidator(_languages),
]
GuidanceList = Annotated[list[Guidance], Field(max_length=3), AfterValidator(_distinct)]
Goals = Annotated[list[Goal], Field(max_length=20)]
Specializations = Annotated[list[ShortText], Field(max_length=20), AfterValidator(_distinct)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("this field cannot be null")
    return value


def _null_as_empty_list(value: Any) -> Any:
    return [] if value is None else value


class SkillLevelIn(_Input):
    skill: SkillSlug
    level: Level = Field(description="1 (aware) to 5 (expert)")


class LearningInterestIn(_Input):
    skill: SkillSlug
    current_level: Level | None = None
    target_level: Level

    @model_validator(mode="after")
    def _target_above_current(self) -> Self:
        if self.current_level is not None and self.target_level <= self.current_level:
            raise ValueError("target_level must be above current_level")
        return self


class TimeWindowIn(_Input):
    start: HourMinute
    end: HourMinute

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if minutes(self.start) >= minutes(self.end):
            raise ValueError("start must be before end")
        return self


class WeeklyWindow(_Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: HourMinute
    end: HourMinute

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if minutes(self.start) >= minutes(self.end):
            raise ValueError("start must be before end")
        return self


class AvailabilityOverrideIn(_Input):
    date: date
    unavailable: bool
    windows: list[TimeWindowIn] = Field(default=[], max_length=10)
    reason: ShortText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.unavailable and self.windows:
            raise ValueError("an unavailable day has no windows")
        if not self.unavailable and not self.windows:
            raise ValueError("an available override needs the day's windows")
        if overlaps([(minutes(w.start), minutes(w.end)) for w in self.windows]):
            raise ValueError("windows overlap")
        self.windows.sort(key=lambda w: w.start)
        return self


Skills = Annotated[list[SkillLevelIn], Field(max_length=50), AfterValidator(_distinct_skills)]
LearningInterests = Annotated[
    list[LearningInterestIn], Field(max_length=30), AfterValidator(_distinct_skills)
]
Availability = Annotated[list[WeeklyWindow], Field(max_length=100), AfterValidator(_weekly)]
Overrides = Annotated[list[AvailabilityOverrideIn], Field(max_length=366), AfterValidator(_overrides)]

# --- people ------------------------------------------------------------------------------------

# Fields only an admin or the HR integration may set; a person edits the rest of their profile.
ADMIN_ONLY_PERSON_FIELDS = frozenset({"external_id", "email", "department", "manager_id", "seniority"})
# JSONB columns, written as JSON documents.
PERSON_DOCUMENT_FIELDS = frozenset(
    {
        "languages",
        "skills",
        "learning_interests",
        "goals",
        "guidance",
        "specializations",
        "availability",
        "availability_overrides",
    }
)


class PersonCreate(_Input):
    id: uuid.UUID | None = Field(
        default=None, description="Optional: the person's id (the `sub` of their tokens); generated if absent"
    )
    external_id: ShortText | None = Field(default=None, description="Id in the HR system; unique")
    email: Email
    name: Name
    title: ShortText | None = None
    department: ShortText | None = None
    manager_id: uuid.UUID | None = None
    seniority: Seniority | None = None
    years_of_experience: int | None = Field(default=None, ge=0, le=60)
    time_zone: TimeZone
    languages: Languages
    bio: LongText | None = None
    skills: Skills = []
    learning_interests: LearningInterests = []
    goals: Goals = []
    guidance: GuidanceList = []
    specializations: Specializations = []
    learning_style: LearningStyle | None = None
    availability: Availability = []
    availability_overrides: Overrides = []
    mentor_capacity: MentorCapacity = 2


_PERSON_REQUIRED = ("email", "name", "time_zone", "languages", "mentor_capacity")
_PERSON_LISTS = tuple(sorted(PERSON_DOCUMENT_FIELDS - {"languages"}))


class PersonUpdate(_Input):
    """Fields present are replaced (lists as a whole); `null` clears an optional field."""

    external_id: ShortText | None = None
    email: Email | None = None
    name: Name | None = None
    title: ShortText | None = None
    department: ShortText | None = None
    manager_id: uuid.UUID | None = None
    seniority: Seniority | None = None
    years_of_experience: int | None = Field(default=None, ge=0, le=60)
    time_zone: TimeZone | None = None
    languages: Languages | None = None
    bio: LongText | None = None
    skills: Skills | None = None
    learning_interests: LearningInterests | None = None
    goals: Goals | None = None
    guidance: GuidanceList | None = None
    specializations: Specializations | None = None
    learning_style: LearningStyle | None = None
    availability: Availability | None = None
    availability_overrides: Overrides | None = None
    mentor_capacity: MentorCapacity | None = None

    # Validators run only for fields present in the body, so these see explicit nulls alone.
    _not_null = field_validator(*_PERSON_REQUIRED)(_refuse_null)
    _null_is_empty = field_validator(*_PERSON_LISTS)(_null_as_empty_list)


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Person(_Output):
    """A person's whole profile: for the person themself, admins and the HR integration."""

    view: Literal["full"] = "full"
    id: uuid.UUID
    organization: str
    version: int
    external_id: str | None
    email: str
    name: str
    title: str | None
    department: str | None
    manager_id: uuid.UUID | None
    seniority: Seniority | None
    years_of_experience: int | None
    time_zone: str
    languages: list[str]
    bio: str | None
    skills: list[SkillLevel]
    learning_interests: list[LearningInterest]
    goals: list[str]
    guidance: list[Guidance]
    specializations: list[str]
    learning_style: LearningStyle | None
    availability: list[AvailabilityWindow]
    availability_overrides: list[AvailabilityOverride]
    mentor_capacity: int
    active: bool
    created_at: datetime
    updated_at: datetime


class PublicPerson(_Output):
    """What mentors and mentees who share a program see of each other (see the module docstring)."""

    view: Literal["public"] = "public"
    id: uuid.UUID
    version: int
    name: str
    title: str | None
    department: str | None
    seniority: Seniority | None
    time_zone: str
    languages: list[str]
    bio: str | None
    skills: list[SkillLevel]
    specializations: list[str]
    guidance: list[Guidance]
    availability: list[AvailabilityWindow]


PUBLIC_PERSON_FIELDS: tuple[str, ...] = tuple(name for name in PublicPerson.model_fields if name != "view")

AnyPerson = Annotated[Person | PublicPerson, Field(discriminator="view")]


class PersonPage(BaseModel):
    items: list[AnyPerson]
    next_cursor: str | None = None


# --- skills ------------------------------------------------------------------------------------


class SkillCreate(_Input):
    slug: SkillSlug = Field(examples=["graph-neural-networks"])
    label: Annotated[str, _text(100)]
    category: SkillCategory = SkillCategory.OTHER


class SkillOut(BaseModel):
    slug: str
    label: str
    category: str
    custom: bool


class SkillList(BaseModel):
    items: list[SkillOut]


# --- programs ----------------------------------------------------------------------------------

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

Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
ScoreWeights = Annotated[
    dict[ScoreComponent, Weight],
    Field(
        description="Weights of score components; components left out keep their current (or default) weight",
        examples=[{"skills": 0.5, "availability": 0.2}],
    ),
]
SessionLength = Annotated[int, Field(ge=15, le=240, description="Minutes")]
CheckinCadence = Annotated[int, Field(ge=1, le=90, description="Days between check-ins")]


class ProgramCreate(_Input):
    name: Name
    objective: ProgramObjective
    description: LongText | None = None
    cohort_start: date
    cohort_end: date
    matching_mode: MatchingMode = MatchingMode.ADMIN_APPROVED
    score_weights: ScoreWeights = {}
    session_length_minutes: SessionLength = 60
    session_cadence: SessionCadence = SessionCadence.BIWEEKLY
    checkin_cadence_days: CheckinCadence = 30
    exclude_same_department: bool = False
    status: Literal[ProgramStatus.DRAFT, ProgramStatus.ACTIVE] = ProgramStatus.DRAFT

    @model_validator(mode="after")
    def _cohort_order(self) -> Self:
        if self.cohort_end <= self.cohort_start:
            raise ValueError("cohort_end must be after cohort_start")
        return self


_PROGRAM_REQUIRED = (
    "name",
    "objective",
    "cohort_start",
    "cohort_end",
    "matching_mode",
    "score_weights",
    "session_length_minutes",
    "session_cadence",
    "checkin_cadence_days",
    "exclude_same_department",
    "status",
)


class ProgramUpdate(_Input):
    name: Name | None = None
    objective: ProgramObjective | None = None
    description: LongText | None = None
    cohort_start: date | None = None
    cohort_end: date | None = None
    matching_mode: MatchingMode | None = None
    score_weights: ScoreWeights | None = None
    session_length_minutes: SessionLength | None = None
    session_cadence: SessionCadence | None = None
    checkin_cadence_days: CheckinCadence | None = None
    exclude_same_department: bool | None = None
    status: ProgramStatus | None = None

    _not_null = field_validator(*_PROGRAM_REQUIRED)(_refuse_null)


class Program(_Output):
    id: uuid.UUID
    organization: str
    version: int
    name: str
    objective: ProgramObjective
    description: str | None
    cohort_start: date
    cohort_end: date
    matching_mode: MatchingMode
    score_weights: dict[ScoreComponent, float]
    session_length_minutes: int
    session_cadence: SessionCadence
    checkin_cadence_days: int
    exclude_same_department: bool
    status: ProgramStatus
    created_at: datetime
    updated_at: datetime


class ProgramPage(BaseModel):
    items: list[Program]
    next_cursor: str | None = None


# --- enrollments -------------------------------------------------------------------------------


class EnrollmentCreate(_Input):
    person_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller")
    role: EnrollmentRole
    goals: Goals = []
    mentor_capacity: MentorCapacity | None = Field(
        default=None, description="Mentors only: capacity in this program instead of the profile's"
    )
    status: Literal[EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE] | None = Field(
        default=None,
        description="Admins only (default active); a person enrolling themself starts pending",
    )

    @model_validator(mode="after")
    def _capacity_for_mentors(self) -> Self:
        if self.mentor_capacity is not None and self.role != EnrollmentRole.MENTOR:
            raise ValueError("mentor_capacity applies to mentors only")
        return self


class EnrollmentUpdate(_Input):
    goals: Goals | None = None
    status: EnrollmentStatus | None = None
    mentor_capacity: MentorCapacity | None = Field(default=None, description="Admins only; null clears")

    _not_null = field_validator("status")(_refuse_null)
    _null_is_empty = field_validator("goals")(_null_as_empty_list)


class Enrollment(_Output):
    """An enrollment as its person and admins see it."""

    view: Literal["full"] = "full"
    id: uuid.UUID
    organization: str
    version: int
    program_id: uuid.UUID
    person_id: uuid.UUID
    role: EnrollmentRole
    goals: list[str]
    status: EnrollmentStatus
    mentor_capacity: int | None
    created_at: datetime
    updated_at: datetime


class PublicEnrollment(_Output):
    """Another member's enrollment, as mentors and mentees of the same program see it."""

    view: Literal["public"] = "public"
    id: uuid.UUID
    version: int
    program_id: uuid.UUID
    person_id: uuid.UUID
    role: EnrollmentRole
    status: EnrollmentStatus


PUBLIC_ENROLLMENT_FIELDS: tuple[str, ...] = tuple(n for n in PublicEnrollment.model_fields if n != "view")

AnyEnrollment = Annotated[Enrollment | PublicEnrollment, Field(discriminator="view")]


class EnrollmentPage(BaseModel):
    items: list[AnyEnrollment]
    next_cursor: str | None = None
