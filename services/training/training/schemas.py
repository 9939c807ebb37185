"""Request and response bodies of the training API.

Modules have two views: the authors' (`ModuleAuthoring`, with the knowledge check's answer key)
and the learners' (`ModuleForLearner`, the published version, questions without answers).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts.profiles import EnrollmentRole
from shared.contracts.training import AssignmentStatus, CloseReason
from shared.text import Line, Paragraphs
from training.knowledge_checks import Answer, KnowledgeCheck, QuestionKind, Slug
from training.media import url_problem


class Audience(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"
    ADMIN = "admin"


class ModuleStatus(StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Url = Annotated[str, Line(2000)]


class Link(_Body):
    title: Annotated[str, Line(200)]
    url: Url = Field(description="An https URL")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class ModuleCreate(_Body):
    title: Annotated[str, Line(200)]
    audience: Audience
    estimated_minutes: int = Field(ge=1, le=600)
    body_markdown: Annotated[str, Paragraphs(50_000)] = Field(
        description="Markdown; raw HTML is not interpreted, and the render is sanitized"
    )
    links: list[Link] = Field(default=[], max_length=20)
    videos: list[Url] = Field(
        default=[], max_length=10, description="https URLs of videos on the allowed hosts (embedded)"
    )
    reflection_prompt: Annotated[str, Paragraphs(1000)] | None = None
    knowledge_check: KnowledgeCheck | None = None


class ModuleUpdate(_Body):
    """Only the fields given change; `knowledge_check: null` or `reflection_prompt: null` remove them.
    Editing a published module starts a new version (a draft until published)."""

    title: Annotated[str, Line(200)] | None = None
    audience: Audience | None = None
    estimated_minutes: int | None = Field(default=None, ge=1, le=600)
    body_markdown: Annotated[str, Paragraphs(50_000)] | None = None
    links: list[Link] | None = Field(default=None, max_length=20)
    videos: list[Url] | None = Field(default=None, max_length=10)
    reflection_prompt: Annotated[str, Paragraphs(1000)] | None = None
    knowledge_check: KnowledgeCheck | None = None


class Video(BaseModel):
    url: str
    embed_url: str = Field(description="The provider's player URL, for an iframe")
    provider: str


class ChoiceForLearner(BaseModel):
    id: str
    text: str


class QuestionForLearner(BaseModel):
    id: str
    kind: QuestionKind
    prompt: str
    choices: list[ChoiceForLearner]


class KnowledgeCheckForLearner(BaseModel):
    pass_mark: int
    questions: list[QuestionForLearner] = Field(description="Without the right answers")


class ModuleForLearner(BaseModel):
    id: uuid.UUID
    version: int = Field(description="The published version")
    title: str
    audience: Audience
    estimated_minutes: int
    body_markdown: str
    body_html: str = Field(description="Sanitized HTML of the body")
    links: list[Link]
    videos: list[Video]
    reflection_prompt: str | None
    knowledge_check: KnowledgeCheckForLearner | None
    published_at: datetime


class ModuleAuthoring(BaseModel):
    id: uuid.UUID
    status: ModuleStatus
    library_key: str | None
    latest_version: int
    published_version: int | None
    has_unpublished_changes: bool
    revision: int = Field(description="The ETag: +1 on every edit and publication")
    title: str
    audience: Audience
    estimated_minutes: int
    body_markdown: str
    body_html: str
    links: list[Link]
    videos: list[Video]
    reflection_prompt: str | None
    knowledge_check: KnowledgeCheck | None = Field(description="With the answer key")
    created_at: datetime
    updated_at: datetime


class ModuleSummary(BaseModel):
    id: uuid.UUID
    status: ModuleStatus
    library_key: str | None
    version: int = Field(description="Published version (authors: the latest)")
    title: str
    audience: Audience
    estimated_minutes: int
    has_knowledge_check: bool
    has_reflection_prompt: bool
    updated_at: datetime


class ModulePage(BaseModel):
    items: list[ModuleSummary]
    next_cursor: str | None = None


# --- knowledge checks, completion, reflections --------------------------------------------------


class AttemptCreate(_Body):
    answers: dict[Slug, Answer] = Field(
        max_length=20,
        description="Per question id: a choice id (single), a list of choice ids (multiple) or text "
        "(short answer). An unanswered question counts as wrong.",
    )


class QuestionResult(BaseModel):
    question_id: str
    correct: bool


class AnswerKey(BaseModel):
    question_id: str
    correct_choices: list[str]
    accepted_answers: list[str]


class AttemptResult(BaseModel):
    id: uuid.UUID
    module_id: uuid.UUID
    module_version: int
    score: float = Field(description="Percent of questions right")
    passed: bool
    pass_mark: int
    results: list[QuestionResult]
    answer_key: list[AnswerKey] | None = Field(description="Shown once the check is passed")
    module_completed: bool
    submitted_at: datetime


class AttemptPage(BaseModel):
    items: list[AttemptResult]
    next_cursor: str | None = None


class ModuleCompletion(BaseModel):
    module_id: uuid.UUID
    completed_at: datetime
    completed_version: int


class ReflectionWrite(_Body):
    text: Annotated[str, Paragraphs(10_000)]


class ReflectionOut(BaseModel):
    id: uuid.UUID
    module_id: uuid.UUID
    module_version: int
    prompt: str | None
    text: str
    version: int
    created_at: datetime
    updated_at: datetime


class ReflectionPage(BaseModel):
    items: list[ReflectionOut]
    next_cursor: str | None = None


# --- courses -------------------------------------------------------------------------------------


class CourseCreate(_Body):
    role: EnrollmentRole
    title: Annotated[str, Line(200)]
    due_days: int = Field(ge=1, le=365, description="Days after enrollment the course is due")
    module_ids: list[uuid.UUID] = Field(min_length=1, max_length=50, description="In course order")


class CourseUpdate(_Body):
    title: Annotated[str, Line(200)] | None = None
    due_days: int | None = Field(default=None, ge=1, le=365)
    module_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=50)


class CourseModuleOut(BaseModel):
    position: int
    module_id: uuid.UUID
    title: str
    estimated_minutes: int


class CourseOut(BaseModel):
    id: uuid.UUID
    program_id: uuid.UUID
    role: EnrollmentRole
    title: str
    due_days: int
    modules: list[CourseModuleOut]
    estimated_minutes: int
    revision: int
    created_at: datetime
    updated_at: datetime


class CoursePage(BaseModel):
    items: list[CourseOut]
    next_cursor: str | None = None


# --- readiness gates -----------------------------------------------------------------------------


class ReadinessGatesUpdate(_Body):
    mentors_must_complete: bool | None = None
    mentees_must_complete: bool | None = None


class ReadinessGatesOut(BaseModel):
    program_id: uuid.UUID
    mentors_must_complete: bool = Field(description="Mentors are matched only once their course is done")
    mentees_must_complete: bool
    version: int = Field(description="0 while the program has no gates of its own")


# --- progress ------------------------------------------------------------------------------------


class ModuleProgressOut(BaseModel):
    position: int
    module_id: uuid.UUID
    title: str
    estimated_minutes: int
    completed_at: datetime | None
    completed_version: int | None
    attempts: int
    best_score: float | None
    passed: bool
    reflection_written: bool = Field(description="Whether a reflection exists (never its text)")


class AssignmentOut(BaseModel):
    id: uuid.UUID
    program_id: uuid.UUID
    program_name: str | None
    role: EnrollmentRole
    course_id: uuid.UUID
    course_title: str
    status: AssignmentStatus
    modules_done: int
    modules_total: int
    required_for_matching: bool
    assigned_at: datetime
    due_at: datetime
    overdue: bool
    completed_at: datetime | None
    closed_reason: CloseReason | None
    modules: list[ModuleProgressOut]


class PersonProgress(BaseModel):
    person_id: uuid.UUID
    assignments: list[AssignmentOut]


# --- reports -------------------------------------------------------------------------------------


class ModuleReport(BaseModel):
    position: int
    module_id: uuid.UUID
    title: str
    completed: int
    completion_rate: float
    attempted: int
    average_score: float | None = Field(description="Mean of each person's best score")


class RoleReport(BaseModel):
    role: EnrollmentRole
    course_id: uuid.UUID | None
    course_title: str | None
    required_for_matching: bool
    people: int = Field(description="Assigned people (closed assignments left out)")
    completed: int
    completion_rate: float
    overdue: int
    closed: int
    average_score: float | None
    modules: list[ModuleReport]


class ProgramReport(BaseModel):
    program_id: uuid.UUID
    generated_at: datetime
    roles: list[RoleReport]


class OverduePerson(BaseModel):
    assignment_id: uuid.UUID
    person_id: uuid.UUID
    name: str | None
    role: EnrollmentRole
    modules_done: int
    modules_total: int
    due_at: datetime


class OverduePage(BaseModel):
    items: list[OverduePerson]
    next_cursor: str | None = None


# --- library -------------------------------------------------------------------------------------


class LibraryModuleOut(BaseModel):
    key: str
    title: str
    audience: Audience
    estimated_minutes: int
    has_knowledge_check: bool
    module_id: uuid.UUID | None = Field(description="Once loaded into your organization")


class LibraryCollectionOut(BaseModel):
    key: str
    title: str
    description: str
    audience: Audience
    modules: list[LibraryModuleOut]


class LibraryOut(BaseModel):
    collections: list[LibraryCollectionOut]
    loaded: int = Field(description="Modules newly created by this call (0 when already loaded)")
