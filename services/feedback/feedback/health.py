"""Relationship health: a 0-100 score of a match from explainable components, and risk crossings.

Pure code (no I/O): the evidence about one match comes in, the score and each component's
score, weight and explanation come out. Evidence is looked at over a recent window (four session
cadences, at least four weeks), so the score says how the relationship goes now, not on average.

Components (weights sum to 100; a component without evidence is left out and the others share
its weight, so a young match is not punished for what has not happened yet):

- cadence (30): sessions held against what the program's session cadence plans;
- reliability (20): no-shows and cancellations among the sessions due;
- ratings (25): the level of recent session ratings (both participants, and the mentee's rating
  of the mentor);
- rating_trend (10): whether recent ratings fall;
- checkins (10): the numeric answers of recent check-ins;
- response_rate (5): feedback requests answered (on time counts more than late); it says more
  about the people's habits than about the relationship, so it weighs least;
- goal_progress (10): how the pair's goals (workspace) keep to their target dates.

The six session and feedback components keep their proportions (0.9 of their first weights): a
match whose pair set no goal scores exactly as it did before goal progress was looked at.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.contracts.scheduling import SessionStatus

WEIGHTS: dict[str, float] = {
    "cadence": 27.0,
    "reliability": 18.0,
    "ratings": 22.5,
    "rating_trend": 9.0,
    "checkins": 9.0,
    "response_rate": 4.5,
    "goal_progress": 10.0,
}
# A component below this is named as a reason when the match is at risk.
REASON_BELOW = 75.0
CANCELLATION_WEIGHT = 0.5  # a cancellation is half as bad as a no-show: it was at least announced
LATE_ANSWER_WEIGHT = 0.75
TREND_RATINGS = 8  # ratings the trend looks at (the most recent ones)
TREND_MIN_RATINGS = 3
# A fall of 0.5 points per rating (on 1-5) takes the trend component to 0.
TREND_SLOPE_FOR_ZERO = -0.5
# Goal progress: a goal done after its target date counts this much; one its owner marks at risk
# at most this much; an open goal may lag this far (a share of the way) behind its time elapsed.
LATE_GOAL_WEIGHT = 0.5
AT_RISK_GOAL_CAP = 0.5
GOAL_PACE_SLACK = 0.25


@dataclass(frozen=True, slots=True)
class SessionFact:
    start: datetime
    status: SessionStatus


@dataclass(frozen=True, slots=True)
class RatingFact:
    at: datetime
    value: int  # 1..5


@dataclass(frozen=True, slots=True)
class CheckinFact:
    at: datetime
    score: float  # 0..1, the mean of one check-in's normalized numeric answers


@dataclass(frozen=True, slots=True)
class RequestFact:
    due_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class GoalFact:
    """A goal of the pair as workspace's events describe it (never its text)."""

    status: str  # workspace's GoalStatus: not_started, on_track, at_risk, done, dropped
    created_at: datetime
    target_date: date | None = None
    completed_on_time: bool | None = None
    progress: float | None = None  # 0..1: the percent given, or the share of milestones reached


@dataclass(frozen=True)
class Evidence:
    """What is known about one active match at `now`."""

    now: datetime
    started_at: datetime
    session_cadence_days: int
    sessions: Sequence[SessionFact] = ()
    ratings: Sequence[RatingFact] = ()
    checkins: Sequence[CheckinFact] = ()
    requests: Sequence[RequestFact] = ()
    goals: Sequence[GoalFact] = ()


@dataclass(frozen=True)
class Component:
    name: str
    score: float | None  # None: no evidence yet
    weight: float
    explanation: str
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    score: float
    components: tuple[Component, ...]

    def reasons(self) -> list[str]:
        """Why the score is low: the weak components, the costliest first."""
        scored = [c for c in self.components if c.score is not None]
        weak = [c for c in scored if c.score is not None and c.score < REASON_BELOW]
        if not weak and scored:
            weak = [min(scored, key=lambda c: c.score if c.score is not None else 100.0)]
        weak.sort(key=lambda c: -c.weight * (100.0 - (c.score or 0.0)))
        return [f"{c.name}: {c.explanation}" for c in weak]


def lookback(session_cadence_days: int) -> timedelta:
    """How far back the evidence is looked at: four session cadences, at least four weeks."""
    return timedelta(days=max(4 * session_cadence_days, 28))


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def _plural(count: float, word: str) -> str:
    return f"{count:g} {word}{'' if count == 1 else 's'}"


def cadence_component(evidence: Evidence) -> Component:
    """Sessions held in the window against those the cadence plans; a period counts as planned
    once half a cadence has passed after it, so a slightly late session is not a miss."""
    cadence = evidence.session_cadence_days
    window_start = max(evidence.now - lookback(cadence), evidence.started_at)
    elapsed_days = (evidence.now - window_start) / timedelta(days=1)
    expected = max(math.floor((elapsed_days - cadence / 2) / cadence), 0)
    held = sum(
        1
        for s in evidence.sessions
        if s.status is SessionStatus.COMPLETED and window_start <= s.start <= evidence.now
    )
    days = round(elapsed_days)
    figures = {"held": float(held), "expected": float(expected), "cadence_days": float(cadence)}
    if expected == 0:
        return Component("cadence", 100.0, WEIGHTS["cadence"], "the first session is not due yet", figures)
    score = _clamp(100.0 * held / expected)
    explanation = (
        f"{held} of {_plural(expected, 'expected session')} held in the last {days} days "
        f"(one every {cadence} days)"
    )
    return Component("cadence", score, WEIGHTS["cadence"], explanation, figures)


def reliability_component(evidence: Evidence) -> Component:
    window_start = evidence.now - lookback(evidence.session_cadence_days)
    due = [s for s in evidence.sessions if window_start <= s.start <= evidence.now]
    held = sum(1 for s in due if s.status is SessionStatus.COMPLETED)
    no_shows = sum(1 for s in due if s.status is SessionStatus.NO_SHOW)
    canceled = sum(1 for s in due if s.status is SessionStatus.CANCELED)
    total = held + no_shows + canceled
    figures = {"held": float(held), "no_shows": float(no_shows), "canceled": float(canceled)}
    if total == 0:
        return Component("reliability", None, WEIGHTS["reliability"], "no session was due yet", figures)
    misses = no_shows + CANCELLATION_WEIGHT * canceled
    score = _clamp(100.0 * (1 - misses / total))
    explanation = (
        f"{_plural(no_shows, 'no-show')} and {_plural(canceled, 'cancellation')} "
        f"out of {_plural(total, 'session')}"
    )
    return Component("reliability", score, WEIGHTS["reliability"], explanation, figures)


def ratings_component(evidence: Evidence) -> Component:
    window = lookback(evidence.session_cadence_days)
    recent = [r.value for r in evidence.ratings if evidence.now - window <= r.at <= evidence.now]
    if not recent:
        return Component("ratings", None, WEIGHTS["ratings"], "no rating yet")
    mean = statistics.fmean(recent)
    score = _clamp((mean - 1) / 4 * 100)
    explanation = f"average rating {mean:.1f}/5 from {_plural(len(recent), 'rating')}"
    return Component(
        "ratings", score, WEIGHTS["ratings"], explanation, {"average": mean, "count": float(len(recent))}
    )


def rating_trend_component(evidence: Evidence) -> Component:
    """The slope of the most recent ratings, in points per rating (least squares)."""
    window = 2 * lookback(evidence.session_cadence_days)
    recent = sorted((r for r in evidence.ratings if evidence.now - window <= r.at <= evidence.now), key=_at)
    values = [r.value for r in recent[-TREND_RATINGS:]]
    if len(values) < TREND_MIN_RATINGS:
        return Component(
            "rating_trend", None, WEIGHTS["rating_trend"], f"fewer than {TREND_MIN_RATINGS} ratings yet"
        )
    slope = statistics.linear_regression(range(len(values)), values).slope
    figures = {"slope": slope, "count": float(len(values))}
    if slope >= 0:
        explanation = f"ratings steady or rising over the last {len(values)}"
        return Component("rating_trend", 100.0, WEIGHTS["rating_trend"], explanation, figures)
    score = _clamp(100.0 * (1 - slope / TREND_SLOPE_FOR_ZERO))
    explanation = f"ratings falling by {-slope:.2f} points per rating over the last {len(values)}"
    return Component("rating_trend", score, WEIGHTS["rating_trend"], explanation, figures)


def _at(fact: RatingFact) -> datetime:
    return fact.at


def checkins_component(evidence: Evidence) -> Component:
    window = lookback(evidence.session_cadence_days)
    recent = [c.score for c in evidence.checkins if evidence.now - window <= c.at <= evidence.now]
    if not recent:
        return Component("checkins", None, WEIGHTS["checkins"], "no check-in answered yet")
    mean = statistics.fmean(recent)
    explanation = f"check-in answers average {mean * 100:.0f}% over {_plural(len(recent), 'check-in')}"
    return Component(
        "checkins", _clamp(mean * 100), WEIGHTS["checkins"], explanation, {"count": float(len(recent))}
    )


def response_rate_component(evidence: Evidence) -> Component:
    window_start = evidence.now - lookback(evidence.session_cadence_days)
    due = [r for r in evidence.requests if window_start <= r.due_at <= evidence.now]
    if not due:
        return Component("response_rate", None, WEIGHTS["response_rate"], "no feedback request was due yet")
    on_time = sum(1 for r in due if r.submitted_at is not None and r.submitted_at <= r.due_at)
    late = sum(1 for r in due if r.submitted_at is not None and r.submitted_at > r.due_at)
    score = _clamp(100.0 * (on_time + LATE_ANSWER_WEIGHT * late) / len(due))
    explanation = f"{on_time + late} of {_plural(len(due), 'feedback request')} answered ({late} late)"
    figures = {"due": float(len(due)), "on_time": float(on_time), "late": float(late)}
    return Component("response_rate", score, WEIGHTS["response_rate"], explanation, figures)


def goal_score(goal: GoalFact, *, today: date) -> float | None:
    """How one goal keeps to its plan, 0..1 (None: it says nothing of the relationship: dropped,
    or open without a target date and not marked at risk).

    Done by its target date (or done without one): 1; done late: `LATE_GOAL_WEIGHT`. Open past its
    target date: 0. Open before it: its progress against the share of its time elapsed, with
    `GOAL_PACE_SLACK` of leeway (a goal just set is never behind), capped when marked at risk.
    """
    if goal.status == "dropped":
        return None
    if goal.status == "done":
        return LATE_GOAL_WEIGHT if goal.completed_on_time is False else 1.0
    cap = AT_RISK_GOAL_CAP if goal.status == "at_risk" else 1.0
    if goal.target_date is None:
        return cap if goal.status == "at_risk" else None
    if goal.target_date < today:
        return 0.0
    span = (goal.target_date - goal.created_at.date()).days + 1
    elapsed = (today - goal.created_at.date()).days + 1
    expected = min(1.0, max(elapsed, 0) / max(span, 1))
    pace = 1.0 if expected <= 0 else ((goal.progress or 0.0) + GOAL_PACE_SLACK) / expected
    return min(cap, 1.0, max(0.0, pace))


def goal_progress_component(evidence: Evidence) -> Component:
    """The mean of the pair's goal scores (`goal_score`); left out while no goal says anything."""
    today = evidence.now.date()
    scored = [(goal, goal_score(goal, today=today)) for goal in evidence.goals]
    counted = [(goal, score) for goal, score in scored if score is not None]
    if not counted:
        return Component("goal_progress", None, WEIGHTS["goal_progress"], "no goal with a target date yet")
    done_on_time = sum(
        1 for goal, _ in counted if goal.status == "done" and goal.completed_on_time is not False
    )
    done_late = sum(1 for goal, _ in counted if goal.status == "done" and goal.completed_on_time is False)
    overdue = sum(
        1
        for goal, _ in counted
        if goal.status != "done" and goal.target_date is not None and goal.target_date < today
    )
    behind = sum(1 for goal, score in counted if goal.status != "done" and 0 < score < 1)
    score = _clamp(100.0 * statistics.fmean(score for _, score in counted))
    parts = [f"{done_on_time} done on time"]
    if done_late:
        parts.append(f"{done_late} done late")
    if overdue:
        parts.append(f"{overdue} past {'its' if overdue == 1 else 'their'} target date")
    if behind:
        parts.append(f"{behind} behind pace or at risk")
    explanation = f"{_plural(len(counted), 'goal')}: " + ", ".join(parts)
    figures = {
        "goals": float(len(counted)),
        "done_on_time": float(done_on_time),
        "done_late": float(done_late),
        "overdue": float(overdue),
        "behind": float(behind),
    }
    return Component("goal_progress", score, WEIGHTS["goal_progress"], explanation, figures)


def assess(evidence: Evidence) -> Health:
    """The health of a match: the weighted mean of the components that have evidence."""
    components = (
        cadence_component(evidence),
        reliability_component(evidence),
        ratings_component(evidence),
        rating_trend_component(evidence),
        checkins_component(evidence),
        response_rate_component(evidence),
        goal_progress_component(evidence),
    )
    scored = [c for c in components if c.score is not None]
    total_weight = sum(c.weight for c in scored)
    if total_weight == 0:
        return Health(100.0, components)
    score = sum(c.weight * (c.score or 0.0) for c in scored) / total_weight
    return Health(round(score, 1), components)


class RiskTransition(StrEnum):
    NONE = "none"
    AT_RISK = "at_risk"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Watch:
    """What is remembered about a match between evaluations."""

    at_risk: bool = False
    below_since: datetime | None = None  # first evaluation below the threshold, not yet confirmed


def watch_step(
    watch: Watch,
    *,
    score: float,
    threshold: float,
    recovery_margin: float,
    now: datetime,
    confirm_after: timedelta,
) -> tuple[Watch, RiskTransition]:
    """The next state of a watched match, and whether it crossed a line.

    A healthy match goes at risk once its score has stayed below `threshold` for `confirm_after`:
    a dip that lasts only while events catch up (a session known before its match, a replay
    after a deployment) raises no alarm. A match at risk recovers only at `threshold +
    recovery_margin`, so a score wobbling around the threshold does not alarm at every evaluation.
    """
    if watch.at_risk:
        if score >= threshold + recovery_margin:
            return Watch(), RiskTransition.RECOVERED
        return watch, RiskTransition.NONE
    if score >= threshold:
        return Watch(), RiskTransition.NONE
    below_since = watch.below_since or now
    if now - below_since >= confirm_after:
        return Watch(at_risk=True, below_since=below_since), RiskTransition.AT_RISK
    return Watch(below_since=below_since), RiskTransition.NONE
