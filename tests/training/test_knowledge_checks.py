"""Knowledge checks: usable questions, answers that fit them, and grading."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from training.knowledge_checks import (
    KnowledgeCheck,
    answer_problems,
    check_problems,
    for_learner,
    grade,
    normalize,
)

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "single",
        "kind": "single",
        "prompt": "Pick one",
        "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": False}],
        "accepted_answers": [],
    },
    {
        "id": "multi",
        "kind": "multiple",
        "prompt": "Pick all that apply",
        "choices": [
            {"id": "a", "text": "A", "correct": True},
            {"id": "b", "text": "B", "correct": True},
            {"id": "c", "text": "C", "correct": False},
        ],
        "accepted_answers": [],
    },
    {
        "id": "short",
        "kind": "short",
        "prompt": "Name it",
        "choices": [],
        "accepted_answers": ["Differential privacy", "DP"],
    },
]


def test_all_right_passes_with_full_marks() -> None:
    result = grade(
        QUESTIONS, {"single": "a", "multi": ["b", "a"], "short": "differential privacy"}, pass_mark=80
    )
    assert (result.score, result.passed) == (100.0, True)
    assert all(item["correct"] for item in result.results)


def test_multiple_choice_needs_exactly_the_right_set() -> None:
    partial = grade(QUESTIONS, {"single": "a", "multi": ["a"], "short": "dp"}, pass_mark=50)
    too_many = grade(QUESTIONS, {"single": "a", "multi": ["a", "b", "c"], "short": "dp"}, pass_mark=50)
    assert partial.score == too_many.score == 66.67
    assert partial.passed and not grade(QUESTIONS, {"multi": ["a"]}, pass_mark=50).passed


def test_short_answers_ignore_case_spacing_and_surrounding_punctuation() -> None:
    for answer in ("  DIFFERENTIAL   privacy. ", "“Differential privacy”", "Dp!"):
        assert grade(QUESTIONS, {"short": answer}, pass_mark=0).results[2]["correct"], answer
    assert not grade(QUESTIONS, {"short": "privacy"}, pass_mark=0).results[2]["correct"]


def test_unanswered_questions_count_as_wrong() -> None:
    result = grade(QUESTIONS, {"single": "a"}, pass_mark=34)
    assert result.score == 33.33 and not result.passed


def test_answers_to_unknown_questions_or_choices_are_named() -> None:
    problems = answer_problems(QUESTIONS, {"nope": "a", "single": "z", "multi": "a", "short": ["x"]})
    assert dict(problems) == {
        "nope": "no such question in this knowledge check",
        "single": "no choice 'z' in this question",
        "multi": "a multiple-choice question takes a list of choice ids",
        "short": "a short-answer question takes text",
    }


def test_learners_never_see_right_choices_or_accepted_answers() -> None:
    shown = for_learner(QUESTIONS)
    assert "correct" not in str(shown) and "accepted" not in str(shown)
    assert shown[0]["choices"] == [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]


def test_unusable_checks_are_explained_per_field() -> None:
    check = KnowledgeCheck.model_validate(
        {
            "questions": [
                {"id": "q", "kind": "single", "prompt": "?", "choices": [{"id": "a", "text": "A"}]},
                {
                    "id": "q",
                    "kind": "multiple",
                    "prompt": "?",
                    "choices": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}],
                },
                {"id": "s", "kind": "short", "prompt": "?", "accepted_answers": ["  ..  "]},
            ]
        }
    )
    fields = [field for field, _ in check_problems(check)]
    assert fields == [
        "questions.0.choices",  # fewer than two choices
        "questions.0.choices",  # no right choice
        "questions.1.id",
        "questions.1.choices",  # duplicate choice ids
        "questions.1.choices",  # no right choice
        "questions.2.accepted_answers",
    ]


@given(st.text(max_size=40))
def test_normalizing_twice_changes_nothing(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)
