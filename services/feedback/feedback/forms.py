"""Feedback forms: the questions a participant answers, and the validation of their answers.

Pure code (no I/O). A form is a list of questions; each numeric question may feed one program
measure (`Metric`), which is how configured check-in questions reach the analytics and the health
score. Text answers are kept apart from numbers from the moment they are validated, so nothing
that aggregates ever touches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from shared.contracts.feedback import ParticipantRole, RequestKind
from shared.text import SafeMultilineText

SCALE_MIN, SCALE_MAX = 1, 5
NPS_MIN, NPS_MAX = 0, 10
TEXT_MAX_LENGTH = 5000
MAX_QUESTIONS = 20


class QuestionKind(StrEnum):
    SCALE = "scale"  # 1 (poor) to 5 (excellent)
    NPS = "nps"  # 0 to 10: how likely to recommend
    TEXT = "text"  # free text, shared with the other participant or private to its author


class Metric(StrEnum):
    """The program measures a numeric answer can feed."""

    RATING = "rating"  # how useful a session was
    MENTOR_RATING = "mentor_rating"  # the mentee's rating of the mentor
    GOAL_PROGRESS = "goal_progress"  # progress toward the mentee's goals
    SATISFACTION = "satisfaction"  # how the mentorship goes (check-ins, close-out)
    NPS = "nps"


_SCALE_METRICS = frozenset({Metric.RATING, Metric.MENTOR_RATING, Metric.GOAL_PROGRESS, Metric.SATISFACTION})

QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Stable id (slug)")]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: QuestionId
    kind: QuestionKind
    prompt: SafeMultilineText = Field(min_length=1, max_length=300)
    required: bool = False
    metric: Metric | None = Field(default=None, description="The program measure a numeric answer feeds")
    for_role: ParticipantRole | None = Field(default=None, description="Asked of this role only")

    @model_validator(mode="after")
    def _metric_fits_kind(self) -> Question:
        if self.kind is QuestionKind.TEXT and self.metric is not None:
            raise ValueError("a text question cannot feed a metric")
        if self.kind is QuestionKind.NPS and self.metric not in (None, Metric.NPS):
            raise ValueError("an NPS question can only feed the nps metric")
        if self.kind is QuestionKind.SCALE and self.metric is not None and self.metric not in _SCALE_METRICS:
            raise ValueError(f"a scale question cannot feed the {self.metric} metric")
        return self

    @property
    def feeds(self) -> Metric | None:
        """The metric this question's answers feed (an NPS question always feeds NPS)."""
        return Metric.NPS if self.kind is QuestionKind.NPS else self.metric


def form_problems(questions: Sequence[Question]) -> list[str]:
    """What is wrong with a configured form (empty when it is usable)."""
    problems = []
    if not questions:
        problems.append("a form needs at least one question")
    if len(questions) > MAX_QUESTIONS:
        problems.append(f"a form has at most {MAX_QUESTIONS} questions")
    ids = [question.id for question in questions]
    duplicates = sorted({qid for qid in ids if ids.count(qid) > 1})
    if duplicates:
        problems.append(f"question ids must be unique: {', '.join(duplicates)}")
    for metric in Metric:
        feeding = [q.id for q in questions if q.feeds is metric]
        if len(feeding) > 1:
            problems.append(f"only one question may feed {metric}: {', '.join(feeding)}")
    return problems


def _question(qid: str, kind: QuestionKind, prompt: str, **rest: Any) -> Question:
    return Question(id=qid, kind=kind, prompt=prompt, **rest)


SESSION_FORM: tuple[Question, ...] = (
    _question(
        "rating", QuestionKind.SCALE, "How useful was this session?", required=True, metric=Metric.RATING
    ),
    _question(
        "mentor_rating",
        QuestionKind.SCALE,
        "How would you rate your mentor in this session?",
        required=True,
        metric=Metric.MENTOR_RATING,
        for_role=ParticipantRole.MENTEE,
    ),
    _question(
        "goal_progress",
        QuestionKind.SCALE,
        "How much did this session move the mentee toward their goals?",
        metric=Metric.GOAL_PROGRESS,
    ),
    _question("what_helped", QuestionKind.TEXT, "What helped?"),
    _question("notes", QuestionKind.TEXT, "Anything else?"),
)

DEFAULT_CHECKIN_FORM: tuple[Question, ...] = (
    _question(
        "satisfaction",
        QuestionKind.SCALE,
        "How is the mentorship going?",
        required=True,
        metric=Metric.SATISFACTION,
    ),
    _question(
        "goal_progress",
        QuestionKind.SCALE,
        "How much progress toward the mentee's goals since the last check-in?",
        metric=Metric.GOAL_PROGRESS,
    ),
    _question("nps", QuestionKind.NPS, "How likely are you to recommend this program to a colleague?"),
    _question("notes", QuestionKind.TEXT, "Anything you want to share?"),
)

DEFAULT_CLOSEOUT_FORM: tuple[Question, ...] = (
    _question(
        "satisfaction",
        QuestionKind.SCALE,
        "Overall, how valuable was this mentorship?",
        required=True,
        metric=Metric.SATISFACTION,
    ),
    _question(
        "goals_achieved",
        QuestionKind.SCALE,
        "How far did the mentee get toward their goals?",
        metric=Metric.GOAL_PROGRESS,
    ),
    _question("nps", QuestionKind.NPS, "How likely are you to recommend this program to a colleague?"),
    _question("what_to_change", QuestionKind.TEXT, "What would you change about the program?"),
)


def questions_for(questions: Sequence[Question], role: ParticipantRole) -> list[Question]:
    """The questions of a form that a participant in `role` is asked."""
    return [q for q in questions if q.for_role is None or q.for_role is role]


def form_for(
    kind: RequestKind, *, checkin: Sequence[Question], closeout: Sequence[Question]
) -> list[Question]:
    if kind is RequestKind.SESSION:
        return list(SESSION_FORM)
    return list(checkin if kind is RequestKind.CHECKIN else closeout)


class TextAnswer(BaseModel):
    """A free-text answer; `private` keeps it visible to its author alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: SafeMultilineText = Field(min_length=1, max_length=TEXT_MAX_LENGTH)
    private: bool = False


Answer = StrictInt | TextAnswer


@dataclass(frozen=True)
class TextEntry:
    question_id: str
    text: str
    private: bool


@dataclass(frozen=True)
class ValidAnswers:
    """Answers split into numbers (aggregated) and text (never aggregated)."""

    scores: dict[str, int] = field(default_factory=dict)
    metrics: dict[Metric, int] = field(default_factory=dict)
    texts: list[TextEntry] = field(default_factory=list)


class InvalidAnswers(ValueError):
    """The answers do not fit the form; `errors` name each offending answer."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors


def _error(question_id: str, message: str, kind: str) -> dict[str, str]:
    return {"field": f"body.answers.{question_id}", "message": message, "type": kind}


def validate_answers(questions: Sequence[Question], answers: Mapping[str, Answer]) -> ValidAnswers:
    """Check answers against the questions a participant was asked; raise `InvalidAnswers` with
    one error per problem (unknown question, wrong kind, out of range, missing required answer)."""
    by_id = {question.id: question for question in questions}
    errors = [
        _error(qid, f"{qid!r} is not a question of this form", "unknown_question")
        for qid in answers
        if qid not in by_id
    ]
    result = ValidAnswers()
    for question in questions:
        value = answers.get(question.id)
        if value is None:
            if question.required:
                errors.append(_error(question.id, f"{question.id!r} must be answered", "missing"))
            continue
        if question.kind is QuestionKind.TEXT:
            if not isinstance(value, TextAnswer):
                errors.append(_error(question.id, "expects {text, private}", "text_expected"))
            elif value.text.strip():
                result.texts.append(TextEntry(question.id, value.text.strip(), value.private))
            continue
        if not isinstance(value, int):
            errors.append(_error(question.id, "expects a number", "number_expected"))
            continue
        low, high = (NPS_MIN, NPS_MAX) if question.kind is QuestionKind.NPS else (SCALE_MIN, SCALE_MAX)
        if not low <= value <= high:
            errors.append(_error(question.id, f"must be between {low} and {high}", "out_of_range"))
            continue
        result.scores[question.id] = value
        if question.feeds is not None:
            result.metrics[question.feeds] = value
    if errors:
        raise InvalidAnswers(errors)
    return result


def normalized(question: Question, value: int) -> float:
    """A numeric answer on 0..1 (1 is best), so scales and NPS can be averaged together."""
    if question.kind is QuestionKind.NPS:
        return (value - NPS_MIN) / (NPS_MAX - NPS_MIN)
    return (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
