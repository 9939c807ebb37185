"""Synthetic organizations with known effects of taking part: the matched comparisons recover
them within their intervals (seeded, so every run draws the same people)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from feedback.outcomes.careers import Careers, careers_from, day_number
from feedback.outcomes.comparison import Status
from feedback.outcomes.designs import NEVER, Design, Participants, design
from feedback.outcomes.measures import Career
from feedback.outcomes.synthetic import Rates, SyntheticOrganization, expected_share, synthetic_organization

AS_OF = day_number(date(2026, 12, 1))
PEOPLE, PARTICIPANTS = 4000, 700


def organization(rates: Rates, seed: int) -> tuple[SyntheticOrganization, Careers, dict[int, Design]]:
    org = synthetic_organization(
        people=PEOPLE, participants=PARTICIPANTS, as_of_day=AS_OF, rates=rates, seed=seed
    )
    careers = careers_from(org.versions)
    persons = careers.numbers(person for person, _ in org.participants)
    starts = np.asarray([start for _, start in org.participants], dtype=np.int64)
    first_enrolled = np.full(careers.size, NEVER, dtype=np.int64)
    first_enrolled[persons] = starts
    participants = Participants.of(persons, starts)
    designs = {
        horizon: design(careers, participants, horizon=horizon, first_enrolled=first_enrolled, as_of=AS_OF)
        for horizon in (180, 365)
    }
    return org, careers, designs


def initial_departments(org: SyntheticOrganization, careers: Careers, persons: np.ndarray) -> list[int]:
    department_of = dict(zip(org.people, org.departments, strict=True))
    return [department_of[careers.people[person]] for person in persons.tolist()]


def first_of_two(rate: float, competing: float, days: int) -> float:
    """The chance that a Poisson event of yearly `rate` comes within `days`, before a competing one
    (leaving) of yearly rate `competing`."""
    total = (rate + competing) / 365
    return rate / (rate + competing) * (1 - math.exp(-total * days))


def test_participants_leaving_at_half_the_base_rate_show_in_retention_at_365_days() -> None:
    rates = Rates(move=0.0, leave_effect=0.5)
    org, careers, designs = organization(rates, seed=101)
    figure = designs[365].compare(careers, Career.STAYED, min_size=20, confidence=0.95).comparison
    departments = initial_departments(org, careers, designs[365].participants.persons)
    truth = float(
        np.mean(
            [
                expected_share(rates.leave_rate(d), 365) - expected_share(rates.leave_rate(d) * 0.5, 365)
                for d in departments
            ]
        )
    )
    assert figure.status is Status.OK and figure.interval is not None
    assert figure.participants >= 400 and figure.comparison >= 1000
    assert figure.interval.low <= truth <= figure.interval.high
    assert figure.interval.low > 0  # a real effect is told apart from none


def test_participants_promoted_twice_as_often_show_in_promotions_within_365_days() -> None:
    rates = Rates(move=0.0, promotion_effect=2.0)
    org, careers, designs = organization(rates, seed=8)
    figure = designs[365].compare(careers, Career.PROMOTED, min_size=20, confidence=0.95).comparison
    departments = initial_departments(org, careers, designs[365].participants.persons)
    truth = float(
        np.mean(
            [
                first_of_two(2 * rates.promotion, rates.leave_rate(d), 365)
                - first_of_two(rates.promotion, rates.leave_rate(d), 365)
                for d in departments
            ]
        )
    )
    assert figure.status is Status.OK and figure.interval is not None
    assert figure.interval.low <= truth <= figure.interval.high
    assert figure.interval.low > 0
    assert figure.participants_rate is not None and figure.comparison_rate is not None
    assert 1.5 < figure.participants_rate / figure.comparison_rate < 2.6  # about twice as often


def test_mobility_and_skill_growth_effects_are_recovered() -> None:
    rates = Rates(leave=(0.2,), move=0.10, move_effect=3.0, skill=0.5, skill_effect=1.8)
    _, careers, designs = organization(rates, seed=303)
    moved = designs[365].compare(careers, Career.MOVED, min_size=20, confidence=0.95).comparison
    grew = designs[180].compare(careers, Career.SKILL_ROSE, min_size=20, confidence=0.95).comparison
    moved_truth = first_of_two(0.30, 0.2, 365) - first_of_two(0.10, 0.2, 365)
    grew_truth = first_of_two(0.9, 0.2, 180) - first_of_two(0.5, 0.2, 180)
    for figure, truth in ((moved, moved_truth), (grew, grew_truth)):
        assert figure.interval is not None
        assert figure.interval.low <= truth <= figure.interval.high
        assert figure.interval.low > 0


def test_without_an_effect_the_intervals_hold_zero_though_a_naive_comparison_would_not() -> None:
    """Mentees come mostly from low-turnover departments: compared with everyone else, they look
    retained better; compared with similar people, they are not."""
    rates = Rates(move=0.0, participation_by_department=(6.0, 4.0, 1.0, 0.5, 0.3, 5.0, 1.0, 0.2))
    _, careers, designs = organization(rates, seed=404)
    chosen = designs[365]
    matched = chosen.compare(careers, Career.STAYED, min_size=20, confidence=0.95).comparison
    assert matched.interval is not None
    assert matched.interval.low <= 0 <= matched.interval.high
    participants = careers.outcome(
        Career.STAYED, chosen.participants.persons, chosen.participants.starts, 365
    )
    others = careers.outcome(Career.STAYED, chosen.comparison_persons, chosen.comparison_days, 365)
    naive = participants.mean() - others.mean()
    assert naive > matched.interval.high  # the naive difference is the department mix, not the program
    promoted = chosen.compare(careers, Career.PROMOTED, min_size=20, confidence=0.95).comparison
    assert promoted.interval is not None and promoted.interval.low <= 0 <= promoted.interval.high


@pytest.mark.parametrize("participants", [8, 19])
def test_a_handful_of_participants_gives_not_enough_data_never_a_number(participants: int) -> None:
    org = synthetic_organization(
        people=800, participants=participants, as_of_day=AS_OF, rates=Rates(), seed=5
    )
    careers = careers_from(org.versions)
    persons = careers.numbers(person for person, _ in org.participants)
    starts = np.asarray([start for _, start in org.participants], dtype=np.int64)
    first_enrolled = np.full(careers.size, NEVER, dtype=np.int64)
    first_enrolled[persons] = starts
    chosen = design(
        careers, Participants.of(persons, starts), horizon=90, first_enrolled=first_enrolled, as_of=AS_OF
    )
    figure = chosen.compare(careers, Career.STAYED, min_size=20, confidence=0.95).comparison
    assert figure.status is Status.NOT_ENOUGH_DATA
    assert (figure.participants_rate, figure.comparison_rate, figure.difference, figure.interval) == (
        None,
        None,
        None,
        None,
    )


def test_participants_not_followed_for_the_whole_horizon_are_not_counted() -> None:
    late = (AS_OF - 200, AS_OF - 100)  # started less than a year ago
    org = synthetic_organization(
        people=1500, participants=300, as_of_day=AS_OF, rates=Rates(), seed=6, starts=late
    )
    careers = careers_from(org.versions)
    persons = careers.numbers(person for person, _ in org.participants)
    starts = np.asarray([start for _, start in org.participants], dtype=np.int64)
    participants = Participants.of(persons, starts)
    assert participants.eligible(careers, horizon=365, as_of=AS_OF).persons.size == 0
    assert participants.eligible(careers, horizon=90, as_of=AS_OF).persons.size > 100
