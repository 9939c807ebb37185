"""The personality questionnaire: the Mini-IPIP and its scoring, and the working-style questions
(pure: no I/O).

The Mini-IPIP (Donnellan, Oswald, Baird & Lucas, 2006, Psychological Assessment 18(2), 192-203) is
a 20-item short form of the 50-item IPIP Big-Five markers: four public-domain IPIP items per trait,
each answered from 1 (very inaccurate) to 5 (very accurate). Item texts and keys are those IPIP
publishes (ipip.ori.org, "Items in the Mini-IPIP"). A trait's score is the mean of its four items
after reverse keying (an item keyed minus counts 6 - answer), so 1 to 5 in steps of 0.25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shared.contracts.profiles import CommunicationMode, PersonalityTrait, SessionCadence

Keyed = Literal["+", "-"]
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    text: str
    trait: PersonalityTrait
    keyed: Keyed


_E, _A, _C, _N, _I = (
    PersonalityTrait.EXTRAVERSION,
    PersonalityTrait.AGREEABLENESS,
    PersonalityTrait.CONSCIENTIOUSNESS,
    PersonalityTrait.NEUROTICISM,
    PersonalityTrait.INTELLECT,
)

# In the published order (the traits take turns, so a person never answers one trait's items in a row).
ITEMS: tuple[Item, ...] = (
    Item(1, "Am the life of the party.", _E, "+"),
    Item(2, "Sympathize with others' feelings.", _A, "+"),
    Item(3, "Get chores done right away.", _C, "+"),
    Item(4, "Have frequent mood swings.", _N, "+"),
    Item(5, "Have a vivid imagination.", _I, "+"),
    Item(6, "Don't talk a lot.", _E, "-"),
    Item(7, "Am not interested in other people's problems.", _A, "-"),
    Item(8, "Often forget to put things back in their proper place.", _C, "-"),
    Item(9, "Am relaxed most of the time.", _N, "-"),
    Item(10, "Am not interested in abstract ideas.", _I, "-"),
    Item(11, "Talk to a lot of different people at parties.", _E, "+"),
    Item(12, "Feel others' emotions.", _A, "+"),
    Item(13, "Like order.", _C, "+"),
    Item(14, "Get upset easily.", _N, "+"),
    Item(15, "Have difficulty understanding abstract ideas.", _I, "-"),
    Item(16, "Keep in the background.", _E, "-"),
    Item(17, "Am not really interested in others.", _A, "-"),
    Item(18, "Make a mess of things.", _C, "-"),
    Item(19, "Seldom feel blue.", _N, "-"),
    Item(20, "Do not have a good imagination.", _I, "-"),
)

SCALE: dict[int, str] = {
    1: "Very inaccurate",
    2: "Moderately inaccurate",
    3: "Neither inaccurate nor accurate",
    4: "Moderately accurate",
    5: "Very accurate",
}

INSTRUCTIONS = (
    "Describe yourself as you generally are now, not as you wish to be in the future, as you honestly "
    "see yourself in relation to other people you know of about your age. For each statement, choose "
    "how accurately it describes you. Taking it is optional; you see your result and can retake it."
)


def keyed_value(item: Item, answer: int) -> int:
    """The answer as it counts toward the trait: reversed (6 - answer) for items keyed minus."""
    return answer if item.keyed == "+" else SCALE_MIN + SCALE_MAX - answer


def score(answers: Sequence[int]) -> dict[PersonalityTrait, float]:
    """Trait scores (1 to 5) of the 20 answers given in item order.

    Raises ValueError unless there are exactly 20 answers, each from 1 to 5.
    """
    if len(answers) != len(ITEMS):
        raise ValueError(f"the Mini-IPIP has {len(ITEMS)} items; {len(answers)} answers given")
    totals: dict[PersonalityTrait, int] = dict.fromkeys(PersonalityTrait, 0)
    counts: dict[PersonalityTrait, int] = dict.fromkeys(PersonalityTrait, 0)
    for item, answer in zip(ITEMS, answers, strict=True):
        if not SCALE_MIN <= answer <= SCALE_MAX:
            raise ValueError(f"item {item.number}: answers are {SCALE_MIN} to {SCALE_MAX}")
        totals[item.trait] += keyed_value(item, answer)
        counts[item.trait] += 1
    return {trait: totals[trait] / counts[trait] for trait in PersonalityTrait}


# -- working style ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkingStyleQuestion:
    field: str
    kind: Literal["choices", "choice", "scale"]
    mentee_prompt: str
    mentor_prompt: str
    choices: tuple[str, ...] = ()
    low: str = ""
    high: str = ""


WORKING_STYLE_QUESTIONS: tuple[WorkingStyleQuestion, ...] = (
    WorkingStyleQuestion(
        "communication",
        "choices",
        "How do you prefer to communicate with your mentor? (one or more)",
        "How do you prefer to communicate with your mentee? (one or more)",
        choices=tuple(mode.value for mode in CommunicationMode),
    ),
    WorkingStyleQuestion(
        "meeting_rhythm",
        "choice",
        "How often would you like to meet?",
        "How often would you like to meet?",
        choices=tuple(cadence.value for cadence in SessionCadence),
    ),
    WorkingStyleQuestion(
        "feedback_directness",
        "scale",
        "How direct do you want feedback to be?",
        "How direct is the feedback you give?",
        low="gentle, encouraging",
        high="very direct",
    ),
    WorkingStyleQuestion(
        "structure",
        "scale",
        "Do you prefer a structured plan or open exploration?",
        "Do you prefer to follow a structured plan or to explore openly?",
        low="a structured plan",
        high="open exploration",
    ),
    WorkingStyleQuestion(
        "challenge",
        "scale",
        "How much do you want to be challenged?",
        "How much do you challenge the people you mentor?",
        low="gently, at my pace",
        high="push me hard",
    ),
)
