"""Program intake criteria: the choice questions a program asks of mentees and mentors and marks
for matching (pure: no I/O).

Matching receives only the answers to these questions (as option ids). Per criterion:
- must_match: a hard filter; the pair shares a chosen option (a pair where either did not answer
  passes: an optional question left blank filters no one);
- prefer_match / prefer_different: the `intake` score component, the mean over these criteria of
  1 when the pair shares an option (prefer_match) or shares none (prefer_different), else 0,
  counting only criteria both answered; neutral 0.5 when there is none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.contracts.profiles import IntakeCriterionKind

NEUTRAL = 0.5
MAX_OPTIONS = 64  # one bit per option in a uint64 mask
Masks = npt.NDArray[np.uint64]
Floats = npt.NDArray[np.float32]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Criterion:
    question_id: str
    prompt: str
    kind: IntakeCriterionKind
    options: tuple[tuple[str, str], ...]  # (id, label)

    def bit(self, option: str) -> int:
        for position, (option_id, _) in enumerate(self.options[:MAX_OPTIONS]):
            if option_id == option:
                return 1 << position
        return 0

    def label(self, option: str) -> str:
        return dict(self.options).get(option, option)


def criteria_of(documents: Sequence[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    """The program's criteria from their ProgramState documents (unknown kinds are left out)."""
    known = {kind.value for kind in IntakeCriterionKind}
    return tuple(
        Criterion(
            question_id=str(document["question_id"]),
            prompt=str(document.get("prompt", "")),
            kind=IntakeCriterionKind(document["kind"]),
            options=tuple(
                (str(option["id"]), str(option.get("label", option["id"]))) for option in document["options"]
            ),
        )
        for document in documents
        if document.get("kind") in known
    )


def answer_masks(answers: Sequence[Mapping[str, Sequence[str]]], criteria: Sequence[Criterion]) -> Masks:
    """(people, criteria): the options each person chose, as bits (0: did not answer)."""
    masks = np.zeros((len(answers), len(criteria)), dtype=np.uint64)
    for row, given in enumerate(answers):
        if not given:
            continue
        for column, criterion in enumerate(criteria):
            bits = 0
            for option in given.get(criterion.question_id, ()):
                bits |= criterion.bit(option)
            masks[row, column] = bits
    return masks


def must_match(
    criteria: Sequence[Criterion], mentee_masks: Masks, mentor_masks: Masks
) -> npt.NDArray[np.bool_] | None:
    """(mentees, mentors) block of pairs passing every must_match criterion; None when there is none."""
    columns = [
        position for position, item in enumerate(criteria) if item.kind is IntakeCriterionKind.MUST_MATCH
    ]
    if not columns:
        return None
    passing = np.ones((mentee_masks.shape[0], mentor_masks.shape[0]), dtype=np.bool_)
    for column in columns:
        mentee = mentee_masks[:, column][:, None]
        mentor = mentor_masks[:, column][None, :]
        passing &= ((mentee & mentor) != 0) | (mentee == 0) | (mentor == 0)
    return passing


def preference_fit(
    criteria: Sequence[Criterion], mentee_masks: Masks, mentor_masks: Masks, mentee: Index, mentor: Index
) -> Floats:
    """The `intake` component of pairs (mentee[i], mentor[i])."""
    columns = [
        (position, item.kind)
        for position, item in enumerate(criteria)
        if item.kind is not IntakeCriterionKind.MUST_MATCH
    ]
    if not columns:
        return np.full(len(mentee), NEUTRAL, dtype=np.float32)
    total = np.zeros(len(mentee), dtype=np.float32)
    count = np.zeros(len(mentee), dtype=np.float32)
    for column, kind in columns:
        first = mentee_masks[mentee, column]
        second = mentor_masks[mentor, column]
        both = (first != 0) & (second != 0)
        shared = (first & second) != 0
        wanted = shared if kind is IntakeCriterionKind.PREFER_MATCH else ~shared
        total += both & wanted
        count += both
    return np.where(count > 0, total / np.maximum(count, 1.0), np.float32(NEUTRAL)).astype(
        np.float32, copy=False
    )


def shared_options(criterion: Criterion, mentee: Sequence[str], mentor: Sequence[str]) -> list[str]:
    """Labels of the options both chose, in the question's order."""
    both = set(mentee) & set(mentor)
    return [label for option, label in criterion.options if option in both]
