"""Rules defined once in shared/ for every service."""

from __future__ import annotations

import pytest

from shared.contracts.profiles import DEFAULT_SCORE_WEIGHTS, ScoreComponent
from shared.time_of_day import minutes_of_day


def test_the_default_score_weights_are_pinned() -> None:
    # Changing them changes every program created afterwards: it must be a decision, not a typo.
    assert {component.value: weight for component, weight in DEFAULT_SCORE_WEIGHTS.items()} == {
        "skills": 0.30,
        "goals": 0.15,
        "guidance": 0.10,
        "availability": 0.15,
        "seniority": 0.10,
        "specialization": 0.05,
        "preferences": 0.05,
        "languages": 0.10,
        "personality": 0.05,
        "working_style": 0.05,
        "intake": 0.05,
    }
    assert set(DEFAULT_SCORE_WEIGHTS) == set(ScoreComponent)
    # Weights are relative (scoring normalizes them); expertise and availability still lead.
    ranked = sorted(DEFAULT_SCORE_WEIGHTS, key=DEFAULT_SCORE_WEIGHTS.__getitem__, reverse=True)
    assert ranked[0] == ScoreComponent.SKILLS
    assert DEFAULT_SCORE_WEIGHTS[ScoreComponent.AVAILABILITY] == max(
        weight for component, weight in DEFAULT_SCORE_WEIGHTS.items() if component != ScoreComponent.SKILLS
    )


@pytest.mark.parametrize(
    ("text", "minutes"), [("00:00", 0), ("09:30", 570), ("23:59", 1439), ("24:00", 1440)]
)
def test_a_time_of_day_is_minutes_since_midnight(text: str, minutes: int) -> None:
    assert minutes_of_day(text) == minutes


@pytest.mark.parametrize("text", ["24:01", "9:60", "12", "ab:cd", "-1:00", "12:5", ""])
def test_anything_else_is_not_a_time_of_day(text: str) -> None:
    with pytest.raises(ValueError):
        minutes_of_day(text)
