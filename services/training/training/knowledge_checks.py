"""Knowledge checks: the questions of a module, what a learner may see of them, and grading.

A question is single choice (exactly one right choice), multiple choice (the right set, no more
and no less) or a short answer (right when it matches one of the accepted answers once both are
normalized: case, accents' composed forms, spacing and surrounding punctuation do not matter).
The answer key is stored with the questions and leaves the service only in the authors' view.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.text import Line, Paragraphs

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
# What a learner answers: a choice id (single), choice ids (multiple) or text (short answer).
Answer = Annotated[str, Line(500)] | Annotated[list[Annotated[str, Line(40)]], Field(max_length=20)]


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SHORT = "short"


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    text: Annotated[str, Line(300)]
    correct: bool = False


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(description="Stable id the answers refer to, e.g. `q1`")
    kind: QuestionKind
    prompt: Annotated[str, Paragraphs(1000)]
    choices: list[Choice] = Field(default=[], max_length=10, description="Single and multiple choice")
    accepted_answers: list[Annotated[str, Line(200)]] = Field(
        default=[], max_length=20, description="Short answer: any of these, normalized"
    )


class KnowledgeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pass_mark: int = Field(default=80, ge=0, le=100, description="Percent of questions right to pass")
    questions: list[Question] = Field(min_length=1, max_length=20)


def check_problems(check: KnowledgeCheck) -> list[tuple[str, str]]:
    """What makes a knowledge check unusable, as (field path under the check, message)."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, question in enumerate(check.questions):
        where = f"questions.{index}"
        if question.id in seen:
            problems.append((f"{where}.id", f"question id {question.id!r} is used twice"))
        seen.add(question.id)
        if question.kind is QuestionKind.SHORT:
            if question.choices:
                problems.append((f"{where}.choices", "a short-answer question has no choices"))
            if not [answer for answer in question.accepted_answers if normalize(answer)]:
                problems.append((f"{where}.accepted_answers", "a short-answer question needs an answer"))
            continue
        if question.accepted_answers:
            problems.append((f"{where}.accepted_answers", "only short-answer questions accept text"))
        if len(question.choices) < 2:
            problems.append((f"{where}.choices", "a choice question needs at least two choices"))
        choice_ids = [choice.id for choice in question.choices]
        if len(set(choice_ids)) != len(choice_ids):
            problems.append((f"{where}.choices", "choice ids must be unique within a question"))
        right = sum(choice.correct for choice in question.choices)
        if question.kind is QuestionKind.SINGLE and right != 1:
            problems.append((f"{where}.choices", "a single-choice question has exactly one right choice"))
        if question.kind is QuestionKind.MULTIPLE and right < 1:
            problems.append((f"{where}.choices", "a multiple-choice question has at least one right choice"))
    return problems


_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = ".,;:!?\"'`()[]{}\u00ab\u00bb\u201c\u201d\u2018\u2019"  # quotes, curly ones too


def normalize(text: str) -> str:
    """A short answer as it is compared: NFKC, case-folded, single spaces, no surrounding punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded).strip().strip(_EDGE_PUNCTUATION).strip()


def for_learner(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions as a learner sees them before submitting: no right choices, no accepted answers."""
    return [
        {
            "id": question["id"],
            "kind": question["kind"],
            "prompt": question["prompt"],
            "choices": [
                {"id": choice["id"], "text": choice["text"]} for choice in question.get("choices", [])
            ],
        }
        for question in questions
    ]


def answer_problems(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, str | list[str]]
) -> list[tuple[str, str]]:
    """Answers that cannot be graded, as (answer key, message): an unknown question, a choice that
    is not one of the question's, or the wrong shape (text for choices, a list for one choice)."""
    by_id = {question["id"]: question for question in questions}
    problems: list[tuple[str, str]] = []
    for question_id, answer in answers.items():
        question = by_id.get(question_id)
        if question is None:
            problems.append((question_id, "no such question in this knowledge check"))
            continue
        kind = QuestionKind(question["kind"])
        choice_ids = {choice["id"] for choice in question.get("choices", [])}
        if kind is QuestionKind.SHORT:
            if not isinstance(answer, str):
                problems.append((question_id, "a short-answer question takes text"))
        elif kind is QuestionKind.SINGLE:
            if not isinstance(answer, str):
                problems.append((question_id, "a single-choice question takes one choice id"))
            elif answer not in choice_ids:
                problems.append((question_id, f"no choice {answer!r} in this question"))
        else:
            if not isinstance(answer, list):
                problems.append((question_id, "a multiple-choice question takes a list of choice ids"))
                continue
            unknown = [choice for choice in answer if choice not in choice_ids]
            if unknown:
                problems.append((question_id, f"no choice {unknown[0]!r} in this question"))
    return problems


@dataclass(frozen=True)
class Grade:
    score: float  # percent of questions answered right, 0-100
    passed: bool
    results: list[dict[str, Any]]  # per question: id and whether the answer was right


def grade(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, str | list[str]], *, pass_mark: int
) -> Grade:
    """Grade valid answers (see `answer_problems`): a question left unanswered is wrong."""
    results = []
    for question in questions:
        answer = answers.get(question["id"])
        results.append({"question_id": question["id"], "correct": _right(question, answer)})
    right = sum(result["correct"] for result in results)
    score = round(100.0 * right / len(questions), 2) if questions else 100.0
    return Grade(score=score, passed=score >= pass_mark, results=results)


def _right(question: Mapping[str, Any], answer: str | list[str] | None) -> bool:
    if answer is None:
        return False
    kind = QuestionKind(question["kind"])
    if kind is QuestionKind.SHORT:
        accepted = {normalize(text) for text in question.get("accepted_answers", [])}
        return isinstance(answer, str) and normalize(answer) in accepted - {""}
    expected = {choice["id"] for choice in question.get("choices", []) if choice.get("correct")}
    given = {answer} if isinstance(answer, str) else set(answer)
    return given == expected


def answer_key(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What a learner is shown after passing: each question's right choices or accepted answers."""
    return [
        {
            "question_id": question["id"],
            "correct_choices": [c["id"] for c in question.get("choices", []) if c.get("correct")],
            "accepted_answers": list(question.get("accepted_answers", [])),
        }
        for question in questions
    ]
