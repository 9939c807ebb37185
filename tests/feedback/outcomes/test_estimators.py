"""The interval methods against published values and against their own coverage."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.outcomes.comparison import Status, compare
from feedback.outcomes.estimators import (
    mean_interval,
    median_time_to_event,
    net_promoter,
    newcombe,
    wilson,
)


def test_wilson_interval_matches_newcombe_1998() -> None:
    # Newcombe, Statistics in Medicine 17 (1998), 81/263: 0.2553 to 0.3662.
    interval = wilson(81 / 263, 263, 0.95)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [((56, 70), (48, 80), (0.0524, 0.3339)), ((9, 10), (3, 10), (0.1705, 0.8090))],
)
def test_newcombe_hybrid_score_interval_matches_the_published_examples(
    first: tuple[int, int], second: tuple[int, int], expected: tuple[float, float]
) -> None:
    difference, interval = newcombe(first[0] / first[1], first[1], second[0] / second[1], second[1], 0.95)
    assert difference == pytest.approx(first[0] / first[1] - second[0] / second[1])
    assert (round(interval.low, 4), round(interval.high, 4)) == expected


def test_kaplan_meier_median_by_hand() -> None:
    # S(2) = 6/7, S(4) = 6/7 * 5/6, S(6) = ... * 3/4 = 0.536, S(8) = ... * 2/3 = 0.357: the median is 8.
    median = median_time_to_event([2, 4, 4, 6, 8, 10, 12], [True, True, False, True, True, False, True], 0.95)
    assert median.median == 8.0
    assert (median.events, median.censored) == (5, 2)


def test_kaplan_meier_median_recovers_an_exponential_median_despite_censoring() -> None:
    rng = np.random.default_rng(3)
    event, censoring = rng.exponential(30, 600), rng.uniform(0, 100, 600)
    median = median_time_to_event(np.minimum(event, censoring).tolist(), (event <= censoring).tolist(), 0.95)
    assert median.low is not None and median.high is not None
    assert median.low <= 30 * np.log(2) <= median.high


def test_no_median_while_fewer_than_half_had_the_event() -> None:
    median = median_time_to_event([5, 10, 20, 30], [True, False, False, False], 0.95)
    assert median.median is None


def test_net_promoter_score_and_mean() -> None:
    score, interval = net_promoter(50, 30, 20, 0.95)
    assert score == pytest.approx(30.0)
    assert interval.low < 30 < interval.high
    mean, mean_ci = mean_interval(40, 170, 10, 0.95)
    assert mean == 4.0 and mean_ci is not None and mean_ci.low < 4 < mean_ci.high


def test_matched_comparison_interval_covers_the_true_difference_about_95_percent_of_the_time() -> None:
    """Strata with different base rates and different mixes on each side: the reweighted comparison
    and its interval cover the participants' true difference in ~95 % of samples."""
    rng = np.random.default_rng(11)
    base = np.array([0.1, 0.3, 0.5, 0.2])
    effect = 0.08
    participant_mix, comparison_mix = np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3, 0.4])
    truth = float((participant_mix * effect).sum())
    covered = 0
    samples = 300
    for _ in range(samples):
        p_strata = rng.choice(4, size=400, p=participant_mix)
        c_strata = rng.choice(4, size=1500, p=comparison_mix)
        result = compare(
            participant_strata=p_strata,
            participant_outcome=rng.random(400) < base[p_strata] + effect,
            comparison_strata=c_strata,
            comparison_outcome=rng.random(1500) < base[c_strata],
            min_size=20,
            confidence=0.95,
        )
        assert result.interval is not None
        covered += result.interval.low <= truth <= result.interval.high
    assert 0.90 <= covered / samples <= 0.99


def test_no_number_below_the_minimum_size() -> None:
    result = compare(
        participant_strata=np.zeros(12, dtype=np.int64),
        participant_outcome=np.ones(12, dtype=bool),
        comparison_strata=np.zeros(500, dtype=np.int64),
        comparison_outcome=np.zeros(500, dtype=bool),
        min_size=20,
        confidence=0.95,
    )
    assert result.status is Status.NOT_ENOUGH_DATA
    assert result.participants_rate is None and result.difference is None and result.interval is None
    assert result.note is not None and "12 matched participants" in result.note


def test_participants_without_a_comparable_non_participant_are_left_out_and_counted() -> None:
    result = compare(
        participant_strata=np.array([1] * 30 + [2] * 5),
        participant_outcome=np.array([True] * 35),
        comparison_strata=np.array([1] * 40 + [3] * 40),
        comparison_outcome=np.array([False] * 80),
        min_size=20,
        confidence=0.95,
    )
    assert (result.participants, result.comparison, result.unmatched_participants, result.strata) == (
        30,
        40,
        5,
        1,
    )
