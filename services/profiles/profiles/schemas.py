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
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from profiles.availability import overlaps
from profiles.intake import CHOICE_KINDS, QuestionKind
from profiles.languages import is_language_code
from profiles.taxonomy import SLUG_PATTERN, SkillCategory
from shared.contracts.profiles import (
    AvailabilityOverride,
    AvailabilityWindow,
    CommunicationMode,
    EnrollmentRole,
    EnrollmentStatus,
    FormatSettings,
    Guidance,
    IntakeCriterion,
    IntakeCriterionKind,
    IntakeOption,
    LearningInterest,
    LearningStyle,
    MatchingMode,
    PersonalityTrait,
    ProgramFormat,
    ProgramObjective,
    ProgramStatus,
    ScoreComponent,
    SelfIdentificationPurpose,
    Seniority,
    SeniorityDirection,
    SessionCadence,
    SkillLevel,
    TraitFit,
    TraitScores,
    WorkingStyle,
)
from shared.text import Line, Paragraphs, single_line
from shared.time_of_day import minutes_of_day

# --- field types -------------------------------------------------------------------------------


# Free text refuses control characters (a NUL byte is a 422 naming the field): shared/text.py.
Name = Annotated[str, Line(200)]
ShortText = Annotated[str, Line(200)]
LongText = Annotated[str, Paragraphs(4000)]
Goal = Annotated[str, Line(500)]
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
        day = [(minutes_of_day(w.start), minutes_of_day(w.end)) for w in values if w.weekday == weekday]
        if overlaps(day):
            raise ValueError(f"availability windows overlap on weekday {weekday}")
    return sorted(values, key=lambda w: (w.weekday, w.start))


def _overrides(values: list[AvailabilityOverrideIn]) -> list[AvailabilityOverrideIn]:
    dates = [value.date for value in values]
    if len(set(dates)) != len(dates):
        raise ValueError("each date may have one override")
    return sorted(values, key=lambda value: value.date)


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(single_line), AfterValidator(_email)]
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
        if minutes_of_day(self.start) >= minutes_of_day(self.end):
            raise ValueError("start must be before end")
        return self


class WeeklyWindow(_Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: HourMinute
    end: HourMinute

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if minutes_of_day(self.start) >= minutes_of_day(self.end):
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
        if overlaps([(minutes_of_day(w.start), minutes_of_day(w.end)) for w in self.windows]):
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
        default=None,
        description=(
            "Optional: the person's id (the `sub` of their tokens); generated if absent. Ids are unique "
            "across the platform: one already in use is a 409 (`id-unavailable`), whoever uses it"
        ),
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
    label: Annotated[str, Line(100)]
    category: SkillCategory = SkillCategory.OTHER


class SkillOut(BaseModel):
    slug: str
    label: str
    category: str
    custom: bool


class SkillList(BaseModel):
    items: list[SkillOut]


# --- programs ----------------------------------------------------------------------------------

Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
ScoreWeights = Annotated[
    dict[ScoreComponent, Weight],
    Field(
        description="Weights of score components; components left out keep their current (or default) weight",
        examples=[{"skills": 0.5, "availability": 0.2}],
    ),
]
SessionLength = Annotated[int, Field(ge=15, le=240, description="Minutes")]
PersonalityFit = Annotated[
    dict[PersonalityTrait, TraitFit],
    Field(
        description=(
            "Per personality trait, whether matching favours similar or complementary mentors (or ignores "
            "it); traits left out keep their current setting (similar by default)"
        ),
        examples=[{"extraversion": "similar", "conscientiousness": "complementary"}],
    ),
]
CheckinCadence = Annotated[int, Field(ge=1, le=90, description="Days between check-ins")]


class CircleSettingsIn(_Input):
    """A circle program's group shape (fields left out keep their current or default value)."""

    min_size: int = Field(default=4, ge=2, le=30, description="Fewest mentees a circle is formed with")
    max_size: int = Field(default=8, ge=2, le=30, description="Most mentees in one circle")
    facilitators: int = Field(default=1, ge=1, le=3, description="Facilitators (mentors) per circle")


class FlashSettingsIn(_Input):
    """A flash program's single sessions."""

    session_minutes: int = Field(default=30, ge=10, le=120, description="Length of one flash session")
    sessions_per_month: int = Field(
        default=4, ge=1, le=200, description="Flash sessions a mentor offers per calendar month"
    )


class PeerSettingsIn(_Input):
    """A peer program's notion of equals."""

    seniority_band: int = Field(default=1, ge=0, le=7, description="At most this many seniority levels apart")


class FormatSettingsIn(_Input):
    """The settings of the program's format: only its own format's part may be given (a circle
    program's `circle`, ...); what is left out keeps its current or default value."""

    circle: CircleSettingsIn | None = None
    flash: FlashSettingsIn | None = None
    peer: PeerSettingsIn | None = None
    seniority_direction: SeniorityDirection | None = Field(
        default=None,
        description=(
            "one_to_one and circle: mentor_senior (default) or either; reverse: mentor_junior (default) "
            "or either; peer: either; flash: mentor_senior"
        ),
    )


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
    personality_fit: PersonalityFit = {}
    format: ProgramFormat = Field(default=ProgramFormat.ONE_TO_ONE, description="How its people meet")
    format_settings: FormatSettingsIn | None = Field(
        default=None, description="The format's settings; its defaults when left out"
    )

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
    personality_fit: PersonalityFit | None = None
    format: ProgramFormat | None = Field(
        default=None, description="Fixed once a match or circle exists (409); settings reset to its defaults"
    )
    format_settings: FormatSettingsIn | None = None

    _not_null = field_validator(*_PROGRAM_REQUIRED, "personality_fit", "format", "format_settings")(
        _refuse_null
    )


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
    personality_fit: dict[PersonalityTrait, TraitFit] = Field(description="Traits left out: similar")
    intake_criteria: list[IntakeCriterion] = Field(
        description="The intake questions matching uses (see GET /v1/programs/{id}/questionnaire)"
    )
    format: ProgramFormat = Field(description="How its people meet; fixed once matches exist")
    format_settings: FormatSettings = Field(description="The settings of its format (the others' are null)")


class ProgramPage(BaseModel):
    items: list[Program]
    next_cursor: str | None = None


# --- enrollments -------------------------------------------------------------------------------


IntakeAnswer = Annotated[
    StrictInt
    | Annotated[str, StringConstraints(max_length=600)]
    | Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=50)],
    Field(description="An option id (single choice), option ids (multiple choice), a number (scale), text"),
]
IntakeAnswers = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)], IntakeAnswer],
    Field(
        max_length=100,
        description=(
            "Answers to the program's intake questionnaire for the enrollment's role (question id -> "
            "answer; GET /v1/programs/{id}/questionnaire). A person enrolling themself answers every "
            "required question; an admin enrolling someone may leave them to the person"
        ),
    ),
]


class EnrollmentCreate(_Input):
    person_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller")
    role: EnrollmentRole
    goals: Goals = []
    intake_answers: IntakeAnswers = {}
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
    intake_answers: IntakeAnswers | None = Field(
        default=None, description="Replaces every answer (required questions included)"
    )

    _not_null = field_validator("status", "intake_answers")(_refuse_null)
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
    matching_answers: dict[str, list[str]] = Field(
        description=(
            "The intake answers matching receives: those to criterion questions, as option ids "
            "(all answers: GET .../enrollments/{id}/intake)"
        )
    )


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


# --- imports -----------------------------------------------------------------------------------


class RowError(BaseModel):
    row: int
    external_id: Any = None
    errors: list[dict[str, str]]


class ImportJob(BaseModel):
    """An import: its progress (`processed` of `total`) and, once done, its result."""

    id: uuid.UUID
    status: str
    format: str
    dry_run: bool
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    errors: list[RowError]
    errors_truncated: bool
    ignored_columns: list[str]
    failure: str | None
    created_at: Any
    started_at: Any
    finished_at: Any


class ImportPage(BaseModel):
    items: list[ImportJob]
    next_cursor: str | None = None


# --- program intake questionnaires -------------------------------------------------------------

OptionId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"), Field(examples=["healthcare"])
]


def _distinct_ids(values: list[Any]) -> list[Any]:
    ids = [value.id for value in values if value.id is not None]
    repeated = sorted({str(item) for item in ids if ids.count(item) > 1})
    if repeated:
        raise ValueError(f"ids must not repeat; repeated: {', '.join(repeated)}")
    return values


class IntakeOptionIn(_Input):
    id: OptionId
    label: Annotated[str, Line(200)]


class IntakeQuestionIn(_Input):
    id: uuid.UUID | None = Field(
        default=None, description="An existing question's id keeps it (and its answers); new ones get one"
    )
    prompt: Annotated[str, Line(500)]
    kind: QuestionKind
    roles: list[EnrollmentRole] = Field(
        default=[EnrollmentRole.MENTEE, EnrollmentRole.MENTOR],
        min_length=1,
        max_length=len(EnrollmentRole),
        description="Who is asked: mentees, mentors or both (or peers)",
    )
    required: bool = False
    options: Annotated[list[IntakeOptionIn], Field(max_length=50), AfterValidator(_distinct_ids)] = []
    scale_min: int | None = Field(default=None, ge=-100, le=100)
    scale_max: int | None = Field(default=None, ge=-100, le=100)
    criterion: IntakeCriterionKind | None = Field(
        default=None,
        description=(
            "Matching criterion (choice questions asked of both roles): must_match filters pairs that "
            "answered differently; prefer_match / prefer_different weigh in the `intake` score component"
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles must not repeat")
        if self.kind in CHOICE_KINDS:
            if len(self.options) < 2:
                raise ValueError("a choice question needs at least two options")
        elif self.options:
            raise ValueError("only choice questions have options")
        if self.kind is QuestionKind.SCALE:
            if self.scale_min is None or self.scale_max is None or self.scale_max <= self.scale_min:
                raise ValueError("a scale needs scale_min below scale_max")
        elif self.scale_min is not None or self.scale_max is not None:
            raise ValueError("only scales have bounds")
        if self.criterion is not None:
            if self.kind not in CHOICE_KINDS:
                raise ValueError("only choice questions can be matching criteria")
            if not {EnrollmentRole.MENTEE, EnrollmentRole.MENTOR} <= set(self.roles):
                raise ValueError("a matching criterion must be asked of mentees and mentors")
        return self


class QuestionnaireIn(_Input):
    questions: Annotated[list[IntakeQuestionIn], Field(max_length=50), AfterValidator(_distinct_ids)]


class IntakeQuestionOut(BaseModel):
    id: uuid.UUID
    prompt: str
    kind: QuestionKind
    roles: list[EnrollmentRole]
    required: bool
    options: list[IntakeOption]
    scale_min: int | None
    scale_max: int | None
    criterion: IntakeCriterionKind | None


class QuestionnaireOut(BaseModel):
    """A program's intake questions (for one role when asked), in order; the ETag is the program's."""

    program_id: uuid.UUID
    version: int = Field(description="The program's version (its ETag): PUT with If-Match")
    questions: list[IntakeQuestionOut]


# --- personality and working style ---------------------------------------------------------------

Likert = Annotated[StrictInt, Field(ge=1, le=5)]


def _distinct_modes(values: list[CommunicationMode]) -> list[CommunicationMode]:
    if len(set(values)) != len(values):
        raise ValueError("modes must not repeat")
    return values


class WorkingStyleIn(_Input):
    communication: Annotated[
        list[CommunicationMode], Field(max_length=3), AfterValidator(_distinct_modes)
    ] = []
    meeting_rhythm: SessionCadence | None = None
    feedback_directness: Likert | None = Field(
        default=None, description="1 (gentle) to 5 (very direct): wanted (mentee) or given (mentor)"
    )
    structure: Likert | None = Field(
        default=None, description="1 (a structured plan) to 5 (open exploration)"
    )
    challenge: Likert | None = Field(
        default=None, description="1 to 5: how much you want to be challenged (mentor: you challenge)"
    )


class PersonalityIn(_Input):
    """A take of the questionnaire: the Mini-IPIP answers, the working-style answers, or both."""

    items: list[Likert] | None = Field(
        default=None,
        min_length=20,
        max_length=20,
        description="The 20 Mini-IPIP answers in item order, 1 (very inaccurate) to 5 (very accurate)",
    )
    working_style: WorkingStyleIn | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.items is None and self.working_style is None:
            raise ValueError("answer the Mini-IPIP items, the working-style questions, or both")
        return self


class PersonalityResultOut(BaseModel):
    id: uuid.UUID
    items: list[int] | None = Field(description="The Mini-IPIP answers as given")
    traits: TraitScores | None
    working_style: WorkingStyle | None
    taken_at: datetime


class OwnPersonality(BaseModel):
    """Your own result: the latest take counts."""

    view: Literal["own"] = "own"
    person_id: uuid.UUID
    taken: bool
    traits: TraitScores | None
    working_style: WorkingStyle | None
    taken_at: datetime | None


class PersonalityTaken(BaseModel):
    """What an admin sees of someone's personality questionnaire: only whether it was taken."""

    view: Literal["admin"] = "admin"
    person_id: uuid.UUID
    taken: bool


AnyPersonality = Annotated[OwnPersonality | PersonalityTaken, Field(discriminator="view")]


class PersonalityHistory(BaseModel):
    items: list[PersonalityResultOut]
    next_cursor: str | None = None


class InstrumentItemOut(BaseModel):
    number: int
    text: str
    trait: PersonalityTrait
    keyed: Literal["+", "-"] = Field(description="'-': reverse keyed (counts 6 - answer)")


class WorkingStyleQuestionOut(BaseModel):
    field: str
    kind: Literal["choices", "choice", "scale"]
    mentee_prompt: str
    mentor_prompt: str
    choices: list[str]
    low: str
    high: str


class PersonalityQuestionnaireOut(BaseModel):
    instrument: str
    citation: str
    instructions: str
    scale: dict[int, str]
    items: list[InstrumentItemOut]
    working_style: list[WorkingStyleQuestionOut]


# --- consented self-identification ----------------------------------------------------------------

AttributeSlug = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$"), Field(examples=["caregiver_status"])
]


def _distinct_purposes(values: list[SelfIdentificationPurpose]) -> list[SelfIdentificationPurpose]:
    if len(set(values)) != len(values):
        raise ValueError("purposes must not repeat")
    return values


Purposes = Annotated[
    list[SelfIdentificationPurpose], Field(min_length=1, max_length=2), AfterValidator(_distinct_purposes)
]


class SelfIdValueIn(_Input):
    id: OptionId
    label: Annotated[str, Line(200)]


class SelfIdAttributeIn(_Input):
    label: Annotated[str, Line(200)]
    description: Annotated[str, Paragraphs(1000)] | None = None
    values: Annotated[list[SelfIdValueIn], Field(min_length=1, max_length=100), AfterValidator(_distinct_ids)]
    purposes: Purposes = Field(description="What people may consent to use it for")
    enabled: bool = True


class SelfIdAttributeOut(BaseModel):
    slug: str
    label: str
    description: str | None
    values: list[IntakeOption]
    purposes: list[SelfIdentificationPurpose]
    enabled: bool
    version: int
    updated_at: datetime


class SelfIdAttributeList(BaseModel):
    items: list[SelfIdAttributeOut]


class GroupLabelOut(BaseModel):
    group_key: str = Field(description="The pseudonymous key matching's fairness audit shows")
    value: str
    label: str


class GroupLabels(BaseModel):
    """Labels of an attribute's pseudonymous groups, for reading aggregate audit reports (admins)."""

    attribute: str
    items: list[GroupLabelOut]


class SelfIdentifyIn(_Input):
    value: OptionId
    purposes: Purposes = Field(description="Each purpose you consent to; those left out are revoked")


class OwnSelfIdentification(BaseModel):
    attribute: str
    label: str
    value: str
    value_label: str
    purposes: list[SelfIdentificationPurpose]
    updated_at: datetime


class ConsentRecordOut(BaseModel):
    attribute: str
    purpose: SelfIdentificationPurpose
    action: Literal["granted", "revoked"]
    recorded_by: str
    recorded_at: datetime


class OwnSelfIdentifications(BaseModel):
    """Your self-identification and the record of your consents (only you can read it)."""

    items: list[OwnSelfIdentification]
    consents: list[ConsentRecordOut] = Field(
        description=(
            "Oldest change first; within one change (same `recorded_at`) revocations before grants, "
            "then by attribute and purpose"
        )
    )


# --- personal data (download, erase) ---------------------------------------------------------------


class IntakeAnswerOut(BaseModel):
    question_id: str
    prompt: str | None
    answer: Any


class EnrollmentIntakeOut(BaseModel):
    enrollment_id: uuid.UUID
    program_id: uuid.UUID
    program_name: str
    role: EnrollmentRole
    answers: list[IntakeAnswerOut]


class PersonalityExport(BaseModel):
    current: OwnPersonality
    history: list[PersonalityResultOut]


class PersonalDataExport(BaseModel):
    """What the platform holds on you about personality, intake and self-identification."""

    person_id: uuid.UUID
    organization: str
    exported_at: datetime
    self_identification: OwnSelfIdentifications
    personality: PersonalityExport
    intake_answers: list[EnrollmentIntakeOut]


class ErasureOut(BaseModel):
    self_identifications: int
    consent_records: int
    personality_results: int
    enrollments_with_intake_answers: int


class EnrollmentIntake(BaseModel):
    """An enrollment's intake answers with their questions (the enrolled person and admins)."""

    enrollment_id: uuid.UUID
    program_id: uuid.UUID
    role: EnrollmentRole
    answers: list[IntakeAnswerOut]
