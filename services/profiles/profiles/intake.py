"""A program's intake questionnaire: checking a person's answers and deriving what matching gets
(pure: no I/O).

Questions are asked of mentees, mentors or both; each is a single choice, a multiple choice, a
scale between bounds, or a short text, and may be required. A choice question asked of both roles
can be a matching criterion (`IntakeCriterionKind`): matching then receives the answers to it, and
only to it (`matching_answers`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.contracts.profiles import EnrollmentRole, IntakeCriterion, IntakeCriterionKind, IntakeOption

SHORT_TEXT_MAX = 500


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    SHORT_TEXT = "short_text"


CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


@dataclass(frozen=True, slots=True)
class Question:
    """What checking answers needs of a question (a row of `intake_questions`)."""

    id: uuid.UUID
    kind: QuestionKind
    prompt: str
    roles: frozenset[EnrollmentRole]
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (id, label)
    scale_min: int | None = None
    scale_max: int | None = None
    criterion: IntakeCriterionKind | None = None

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(option for option, _ in self.options)


@dataclass(frozen=True, slots=True)
class AnswerError:
    question: str  # the question id as the client sent it
    message: str
    kind: str = "value_error"

    @property
    def field(self) -> str:
        return f"intake_answers.{self.question}"


def _check_one(question: Question, answer: Any) -> tuple[Any, str | None]:
    """The answer as stored, or a message saying why it is refused."""
    if question.kind is QuestionKind.SINGLE_CHOICE:
        if not isinstance(answer, str):
            return None, "expects one option id"
        if answer not in question.option_ids:
            return None, f"unknown choice {answer!r}"
        return answer, None
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        if not isinstance(answer, list) or not all(isinstance(item, str) for item in answer):
            return None, "expects a list of option ids"
        unknown = sorted({item for item in answer if item not in question.option_ids})
        if unknown:
            return None, f"unknown choices: {', '.join(repr(item) for item in unknown)}"
        if len(set(answer)) != len(answer):
            return None, "choices must not repeat"
        if not answer:
            return None, "choose at least one option"
        return list(answer), None
    if question.kind is QuestionKind.SCALE:
        if not isinstance(answer, int) or isinstance(answer, bool):
            return None, "expects a whole number"
        low, high = question.scale_min or 0, question.scale_max or 0
        if not low <= answer <= high:
            return None, f"out of range: from {low} to {high}"
        return answer, None
    if not isinstance(answer, str):
        return None, "expects text"
    text = answer.strip()
    if not text:
        return None, "expects text"
    if len(text) > SHORT_TEXT_MAX:
        return None, f"at most {SHORT_TEXT_MAX} characters"
    if any(ord(character) < 32 for character in text):
        return None, "must be a single line without control characters"
    return text, None


def check_answers(
    questions: Sequence[Question],
    answers: Mapping[str, Any],
    *,
    role: EnrollmentRole,
    require_all: bool,
) -> tuple[dict[str, Any], list[AnswerError], list[str]]:
    """(answers as stored, errors, ids not in this questionnaire) for `role`'s answers.

    `require_all`: required questions must be answered (a person enrolling themself); an admin
    enrolling someone may leave them to the person. Unknown ids are returned apart, so the caller
    can tell a question of another program from one that does not exist.
    """
    by_id = {str(question.id): question for question in questions}
    stored: dict[str, Any] = {}
    errors: list[AnswerError] = []
    unknown: list[str] = []
    for key, answer in answers.items():
        question = by_id.get(key)
        if question is None:
            unknown.append(key)
            continue
        if role not in question.roles:
            errors.append(AnswerError(key, f"this question is not asked of {role.value}s", "wrong_role"))
            continue
        value, message = _check_one(question, answer)
        if message is not None:
            errors.append(AnswerError(key, message))
        else:
            stored[key] = value
    if require_all:
        for question in questions:
            key = str(question.id)
            if question.required and role in question.roles and key not in answers:
                errors.append(AnswerError(key, "this question is required", "missing"))
    return stored, errors, unknown


def criteria(questions: Iterable[Question]) -> list[IntakeCriterion]:
    """The questions matching uses, in questionnaire order."""
    return [
        IntakeCriterion(
            question_id=question.id,
            prompt=question.prompt,
            kind=question.criterion,
            options=[IntakeOption(id=option, label=label) for option, label in question.options],
        )
        for question in questions
        if question.criterion is not None
    ]


def matching_answers(questions: Iterable[Question], answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The answers to criterion questions only, each as a list of option ids."""
    found: dict[str, list[str]] = {}
    for question in questions:
        key = str(question.id)
        if question.criterion is None or key not in answers:
            continue
        answer = answers[key]
        if question.kind is QuestionKind.SINGLE_CHOICE and isinstance(answer, str):
            found[key] = [answer]
        elif question.kind is QuestionKind.MULTIPLE_CHOICE and isinstance(answer, list):
            found[key] = sorted(str(item) for item in answer)
    return found
