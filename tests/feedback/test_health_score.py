"""The health score and risk crossings as pure functions (no database, no NATS)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.health import (
    WEIGHTS,
    CheckinFact,
    Evidence,
    GoalFact,
    RatingFact,
    RequestFact,
    RiskTransition,
    SessionFact,
    Watch,
    assess,
    watch_step,
)
from shared.contracts.scheduling import SessionStatus

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
WEEKLY = 7


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def evidence(**rest: object) -> Evidence:
    values: dict[str, object] = {"now": NOW, "started_at": ago(60), "session_cadence_days": WEEKLY}
    values.update(rest)
    return Evidence(**values)  # type: ignore[arg-type]


def held(*days: float) -> list[SessionFact]:
    return [SessionFact(ago(d), SessionStatus.COMPLETED) for d in days]


def component(health_evidence: Evidence, name: str) -> float | None:
    return next(c.score for c in assess(health_evidence).components if c.name == name)


def test_weights_sum_to_100() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_a_match_meeting_at_its_cadence_with_good_ratings_is_fully_healthy() -> None:
    health = assess(
        evidence(
            sessions=held(27, 20, 13, 6),
            ratings=[RatingFact(ago(d), 5) for d in (26, 19, 12, 5)],
            checkins=[CheckinFact(ago(10), 1.0)],
            requests=[RequestFact(ago(20), ago(21))],
            goals=[GoalFact("on_track", ago(20), target_date=(NOW + timedelta(20)).date(), progress=0.5)],
        )
    )
    assert health.score == 100
    assert all(c.score == 100 for c in health.components)


def test_a_missed_cadence_and_low_ratings_fall_below_the_default_threshold_with_reasons() -> None:
    health = assess(evidence(sessions=held(26), ratings=[RatingFact(ago(25), 1), RatingFact(ago(25), 2)]))
    assert health.score < 50
    reasons = health.reasons()
    # The costliest first: the ratings (weight 25, at 12.5) before the cadence (weight 30, at 33).
    assert reasons[0].startswith("ratings: average rating 1.5/5 from 2 ratings")
    assert reasons[1].startswith("cadence: 1 of 3 expected sessions held in the last 28 days")


def test_a_young_match_is_not_expected_to_have_met_yet() -> None:
    health = assess(evidence(started_at=ago(5)))
    assert health.score == 100
    cadence = health.components[0]
    assert cadence.explanation == "the first session is not due yet"
    # Components without evidence are left out rather than counted as failures.
    assert [c.name for c in health.components if c.score is None] == [
        "reliability",
        "ratings",
        "rating_trend",
        "checkins",
        "response_rate",
        "goal_progress",
    ]


def test_no_shows_count_twice_as_much_as_cancellations() -> None:
    sessions = [
        *held(20, 13),
        SessionFact(ago(6), SessionStatus.NO_SHOW),
        SessionFact(ago(3), SessionStatus.CANCELED),
    ]
    assert component(evidence(sessions=sessions), "reliability") == 100 * (1 - 1.5 / 4)


def test_falling_ratings_lower_the_trend_and_steady_ones_do_not() -> None:
    falling = [RatingFact(ago(20 - i), value) for i, value in enumerate((5, 4, 4, 3, 2))]
    steady_low = [RatingFact(ago(20 - i), 2) for i in range(5)]
    assert (component(evidence(ratings=falling), "rating_trend") or 0) < 50
    assert component(evidence(ratings=steady_low), "rating_trend") == 100
    assert component(evidence(ratings=falling[:2]), "rating_trend") is None  # too few to tell


def test_late_answers_count_less_than_answers_on_time() -> None:
    requests = [RequestFact(ago(10), ago(11)), RequestFact(ago(10), ago(5)), RequestFact(ago(10), None)]
    assert component(evidence(requests=requests), "response_rate") == 100 * (1 + 0.75) / 3


statuses = st.sampled_from(list(SessionStatus))
session_facts = st.builds(SessionFact, st.floats(0, 60).map(ago), statuses)
rating_facts = st.builds(RatingFact, st.floats(0, 60).map(ago), st.integers(1, 5))
checkin_facts = st.builds(CheckinFact, st.floats(0, 60).map(ago), st.floats(0, 1))
request_facts = st.builds(
    RequestFact, st.floats(0, 60).map(ago), st.one_of(st.none(), st.floats(-5, 60).map(ago))
)
any_evidence = st.builds(
    Evidence,
    now=st.just(NOW),
    started_at=st.floats(0, 120).map(ago),
    session_cadence_days=st.sampled_from([7, 14, 30]),
    sessions=st.lists(session_facts, max_size=12),
    ratings=st.lists(rating_facts, max_size=12),
    checkins=st.lists(checkin_facts, max_size=4),
    requests=st.lists(request_facts, max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(any_evidence)
def test_the_score_and_every_component_stay_between_0_and_100(health_evidence: Evidence) -> None:
    health = assess(health_evidence)
    assert 0 <= health.score <= 100
    for c in health.components:
        assert c.score is None or 0 <= c.score <= 100
        assert c.explanation


@settings(max_examples=200, deadline=None)
@given(any_evidence, st.floats(0, 27))
def test_holding_one_more_session_never_lowers_the_score(health_evidence: Evidence, days: float) -> None:
    more = Evidence(
        now=health_evidence.now,
        started_at=health_evidence.started_at,
        session_cadence_days=health_evidence.session_cadence_days,
        sessions=[*health_evidence.sessions, *held(days)],
        ratings=health_evidence.ratings,
        checkins=health_evidence.checkins,
        requests=health_evidence.requests,
    )
    assert assess(more).score >= assess(health_evidence).score - 1e-9


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 100), max_size=40), st.floats(0, 5))
def test_alarms_and_recoveries_alternate_and_every_alarm_follows_a_lasting_dip(
    scores: list[float], confirm_hours: float
) -> None:
    watch = Watch()
    transitions = []
    for hour, score in enumerate(scores):
        moment = NOW + timedelta(hours=hour)
        before = watch
        watch, transition = watch_step(
            watch,
            score=score,
            threshold=50,
            recovery_margin=10,
            now=moment,
            confirm_after=timedelta(hours=confirm_hours),
        )
        if transition is RiskTransition.AT_RISK:
            assert score < 50 and not before.at_risk
            assert watch.below_since is not None and moment - watch.below_since >= timedelta(
                hours=confirm_hours
            )
        if transition is RiskTransition.RECOVERED:
            assert score >= 60 and before.at_risk
        if transition is not RiskTransition.NONE:
            transitions.append(transition)
    # At risk, recovered, at risk, ...: never the same announcement twice in a row.
    assert all(a is not b for a, b in itertools.pairwise(transitions))
    assert not transitions or transitions[0] is RiskTransition.AT_RISK


def test_a_dip_that_passes_before_it_is_confirmed_raises_no_alarm() -> None:
    watch, transition = watch_step(
        Watch(), score=10, threshold=50, recovery_margin=10, now=NOW, confirm_after=timedelta(minutes=15)
    )
    assert transition is RiskTransition.NONE and watch.below_since == NOW
    watch, transition = watch_step(
        watch,
        score=80,
        threshold=50,
        recovery_margin=10,
        now=NOW + timedelta(minutes=5),
        confirm_after=timedelta(minutes=15),
    )
    assert transition is RiskTransition.NONE and watch == Watch()
