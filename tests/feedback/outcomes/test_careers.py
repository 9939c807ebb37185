"""What a profile history says happened to a person, whatever order its versions arrived in."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace

import numpy as np

from feedback.outcomes.careers import DEPARTED, ProfileVersion, careers_from
from feedback.outcomes.measures import Career, title_rank

PERSON = uuid.UUID(int=1)


def version(number: int, day: int, **changes: object) -> ProfileVersion:
    base = ProfileVersion(
        person_id=PERSON,
        version=number,
        day=day,
        joined_day=0,
        active=True,
        department="Research",
        seniority="mid",
        title="ML Engineer",
        region="Europe",
        skills={"python": 3, "pytorch": 2},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def event_days(versions: list[ProfileVersion], kind: str) -> list[int]:
    careers = careers_from(versions)
    return (careers.events[kind] % (1 << 22)).tolist()


def test_a_seniority_step_up_is_a_promotion_and_a_step_down_is_not() -> None:
    history = [version(1, 10), version(2, 50, seniority="senior"), version(3, 90, seniority="mid")]
    assert event_days(history, Career.PROMOTED.value) == [50]


def test_a_title_naming_a_higher_rank_is_a_promotion() -> None:
    history = [version(1, 10, seniority=None), version(2, 40, title="Senior ML Engineer", seniority=None)]
    assert event_days(history, Career.PROMOTED.value) == [40]
    assert title_rank("Head of Applied Research") > title_rank("Staff Engineer") > title_rank("Engineer")
    assert title_rank(None) is None


def test_a_department_change_is_a_move_but_not_a_change_of_case_or_a_first_department() -> None:
    history = [
        version(1, 10, department=None),
        version(2, 20, department="research"),
        version(3, 30, department="Research "),
        version(4, 60, department="Platform"),
    ]
    assert event_days(history, Career.MOVED.value) == [60]


def test_only_a_higher_level_of_an_already_listed_skill_is_skill_growth() -> None:
    history = [
        version(1, 10),
        version(2, 20, skills={"python": 3, "pytorch": 2, "nlp": 4}),  # a new skill: not a rise
        version(3, 30, skills={"python": 2, "pytorch": 2, "nlp": 4}),  # lower: not a rise
        version(4, 70, skills={"python": 2, "pytorch": 3, "nlp": 4}),
    ]
    assert event_days(history, Career.SKILL_ROSE.value) == [70]


def test_deactivation_is_a_departure_and_reactivation_makes_them_active_again() -> None:
    history = [version(1, 10), version(2, 100, active=False), version(3, 200, active=True)]
    careers = careers_from(history)
    assert event_days(history, DEPARTED) == [100]
    days = np.array([50, 150, 250])
    assert careers.active_at(np.zeros(3, dtype=np.int64), days).tolist() == [True, False, True]
    assert careers.active_at(np.zeros(1, dtype=np.int64), np.array([5])).tolist() == [False]  # not yet known


def test_versions_in_any_order_and_repeated_give_the_same_careers() -> None:
    rng = random.Random(4)
    others = [
        replace(version(n, 10 * n, seniority=["junior", "mid", "senior"][n % 3]), person_id=uuid.UUID(int=7))
        for n in range(1, 9)
    ]
    history = [version(1, 10), version(2, 50, seniority="senior"), version(3, 80, active=False), *others]
    shuffled = history + history[:4]
    rng.shuffle(shuffled)
    # A repeated event finds its version already stored (the key is the person and version).
    stored = {(row.person_id, row.version): row for row in shuffled}
    first, second = careers_from(history), careers_from(list(stored.values()))
    assert first.people == second.people
    for kind in first.events:
        assert first.events[kind].tolist() == second.events[kind].tolist()
    assert first.row_day.tolist() == second.row_day.tolist()


def test_a_version_dated_before_the_previous_one_does_not_go_back_in_time() -> None:
    careers = careers_from([version(1, 100), version(2, 90, seniority="senior")])
    assert careers.row_day.tolist() == [100, 100]


def test_attributes_on_a_day_for_group_reports() -> None:
    careers = careers_from([version(1, 10), version(2, 60, department="Platform", seniority="staff")])
    persons = np.zeros(3, dtype=np.int64)
    attributes = careers.attributes_at(persons, np.array([5, 20, 70]))
    assert attributes["department"] == ["unknown", "Research", "Platform"]
    assert attributes["seniority"] == ["unknown", "mid", "staff"]
    assert attributes["time_zone_region"] == ["unknown", "Europe", "Europe"]
