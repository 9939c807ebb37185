"""Goals in feedback: relationship health's goal-progress component and program analytics' goal
attainment (the share of due goals completed by their target date, by objective), from workspace's
goal and milestone events, repeated and out of order."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from feedback.health import WEIGHTS, Evidence, GoalFact, RatingFact, SessionFact, assess, goal_score
from shared.contracts.scheduling import SessionStatus
from shared.contracts.workspace import (
    GoalCompleted,
    GoalCreated,
    GoalProgressed,
    GoalState,
    GoalStatus,
    MilestoneReached,
    MilestoneState,
)
from shared.events import Event
from tests.feedback.conftest import Cohort, Pair, days_ago, now

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
TODAY = NOW.date()


def at(days: float) -> datetime:
    return NOW + timedelta(days=days)


def on(days: int) -> date:
    return TODAY + timedelta(days=days)


# --- the component, pure ---------------------------------------------------------------------------


def test_a_goal_done_by_its_target_counts_fully_done_late_half_and_overdue_nothing() -> None:
    assert goal_score(GoalFact("done", at(-60), on(-5), completed_on_time=True), today=TODAY) == 1.0
    assert goal_score(GoalFact("done", at(-60), on(-5), completed_on_time=False), today=TODAY) == 0.5
    assert goal_score(GoalFact("on_track", at(-60), on(-1), progress=0.9), today=TODAY) == 0.0
    assert goal_score(GoalFact("done", at(-60), None), today=TODAY) == 1.0


def test_an_open_goal_is_measured_against_its_time_elapsed_and_a_new_one_is_never_behind() -> None:
    just_set = GoalFact("not_started", at(0), on(30))
    assert goal_score(just_set, today=TODAY) == 1.0
    # Three quarters of the way to its target with nothing done: behind; 60% done: on pace.
    late_start = GoalFact("not_started", at(-90), on(29))
    behind = goal_score(late_start, today=TODAY)
    assert behind is not None and 0.2 < behind < 0.4
    on_pace = GoalFact("on_track", at(-90), on(29), progress=0.6)
    assert goal_score(on_pace, today=TODAY) == 1.0
    # Its owner marking it at risk caps it, however far along.
    assert goal_score(GoalFact("at_risk", at(-10), on(30), progress=0.9), today=TODAY) == 0.5


def test_dropped_goals_and_open_goals_without_a_target_say_nothing() -> None:
    assert goal_score(GoalFact("dropped", at(-60), on(-5)), today=TODAY) is None
    assert goal_score(GoalFact("on_track", at(-60), None), today=TODAY) is None
    health = assess(
        Evidence(
            now=NOW, started_at=at(-60), session_cadence_days=7, goals=[GoalFact("dropped", at(-9), None)]
        )
    )
    component = next(c for c in health.components if c.name == "goal_progress")
    assert component.score is None


def test_a_pair_without_goals_scores_exactly_as_before_goals_were_looked_at() -> None:
    before = {
        "cadence": 30,
        "reliability": 20,
        "ratings": 25,
        "rating_trend": 10,
        "checkins": 10,
        "response_rate": 5,
    }
    evidence = Evidence(
        now=NOW,
        started_at=at(-60),
        session_cadence_days=7,
        sessions=[SessionFact(at(-d), SessionStatus.COMPLETED) for d in (26, 12)],
        ratings=[RatingFact(at(-d), r) for d, r in ((25, 4), (11, 2), (4, 3))],
    )
    health = assess(evidence)
    scored = [c for c in health.components if c.score is not None]
    expected = sum(before[c.name] * (c.score or 0) for c in scored) / sum(before[c.name] for c in scored)
    assert health.score == pytest.approx(expected, abs=0.05)
    assert sum(WEIGHTS.values()) == 100


def test_late_and_overdue_goals_lower_the_score_and_are_named_as_a_reason() -> None:
    healthy = [SessionFact(at(-d), SessionStatus.COMPLETED) for d in (27, 20, 13, 6)]
    goals = [
        GoalFact("on_track", at(-80), on(-20), progress=0.4),
        GoalFact("at_risk", at(-80), on(-3)),
        GoalFact("done", at(-80), on(-30), completed_on_time=False),
    ]
    with_goals = assess(
        Evidence(now=NOW, started_at=at(-60), session_cadence_days=7, sessions=healthy, goals=goals)
    )
    without = assess(Evidence(now=NOW, started_at=at(-60), session_cadence_days=7, sessions=healthy))
    assert without.score == 100
    component = next(c for c in with_goals.components if c.name == "goal_progress")
    assert component.score == pytest.approx(100 * 0.5 / 3)
    assert component.explanation == "3 goals: 0 done on time, 1 done late, 2 past their target date"
    assert with_goals.score < without.score
    assert with_goals.reasons()[0].startswith("goal_progress: 3 goals")


# --- through events --------------------------------------------------------------------------------


class Goals:
    """Goal and milestone events of one pair, as workspace publishes them."""

    def __init__(self, cohort: Cohort, pair: Pair) -> None:
        self.cohort, self.pair = cohort, pair

    def state(
        self,
        goal_id: uuid.UUID,
        *,
        version: int,
        status: GoalStatus,
        created_days_ago: float,
        target: date | None,
        on_time: bool | None = None,
        percent: int | None = None,
        milestones: tuple[int, int] = (0, 0),
    ) -> GoalState:
        created = days_ago(created_days_ago)
        return GoalState(
            id=goal_id,
            organization=self.cohort.organization,
            version=version,
            match_id=self.pair.match_id,
            program_id=self.cohort.program_id,
            mentee_id=self.pair.mentee_id,
            mentor_id=self.pair.mentor_id,
            objective="technical_skills",
            status=status,
            percent=percent,
            guidance_kind="technical",
            skills=["pytorch"],
            target_date=target,
            milestones_reached=milestones[0],
            milestones_total=milestones[1],
            created_at=created,
            updated_at=created,
            completed_at=now() if status is GoalStatus.DONE else None,
            completed_on_time=on_time,
        )

    async def publish(self, *events: Event) -> list[Any]:
        return [
            await self.cohort.bus.publish(
                event, organization=self.cohort.organization, subject=str(self.pair.match_id)
            )
            for event in events
        ]


async def _component(client: httpx.AsyncClient, cohort: Cohort, pair: Pair) -> dict[str, Any]:
    response = await client.get(f"/v1/matches/{pair.match_id}/health", headers=cohort.admin)
    assert response.status_code == 200, response.text
    return next(c for c in response.json()["components"] if c["name"] == "goal_progress")


@pytest.mark.usefixtures("feedback_worker")
async def test_goal_events_move_health_and_attainment_whatever_their_order_and_repeats(
    feedback_client: httpx.AsyncClient, cohort: Cohort, auth: Any
) -> None:
    await cohort.program()
    mentor = await cohort.person(role="mentor")
    mentee = await cohort.person(role="mentee")
    pair = cohort.pair(mentor_id=mentor, mentee_id=mentee)
    await pair.accept(started=days_ago(60))
    goals = Goals(cohort, pair)
    today = now().date()
    on_time, overdue, late, dropped, pending = (uuid.uuid4() for _ in range(5))
    pending_milestone = uuid.uuid4()
    events: list[Event] = [
        # Completed on time, its creation arriving after its completion (changes nothing).
        GoalCompleted(
            goal=goals.state(
                on_time, version=3, status=GoalStatus.DONE, created_days_ago=50, target=today, on_time=True
            )
        ),
        GoalCreated(
            goal=goals.state(
                on_time, version=1, status=GoalStatus.NOT_STARTED, created_days_ago=50, target=today
            )
        ),
        GoalCreated(
            goal=goals.state(
                overdue,
                version=1,
                status=GoalStatus.ON_TRACK,
                created_days_ago=50,
                target=today - timedelta(10),
            )
        ),
        GoalCompleted(
            goal=goals.state(
                late,
                version=2,
                status=GoalStatus.DONE,
                created_days_ago=50,
                target=today - timedelta(20),
                on_time=False,
            )
        ),
        GoalCreated(
            goal=goals.state(
                dropped,
                version=2,
                status=GoalStatus.DROPPED,
                created_days_ago=50,
                target=today - timedelta(9),
            )
        ),
        GoalCreated(
            goal=goals.state(
                pending,
                version=1,
                status=GoalStatus.NOT_STARTED,
                created_days_ago=50,
                target=today + timedelta(10),
                milestones=(0, 2),
            )
        ),
    ]
    envelopes = await goals.publish(*events)
    for envelope in envelopes:
        await cohort.bus.redeliver(envelope)
    await cohort.bus.settled()

    # Scores: on time 1, overdue 0, late 0.5, pending (50 of 61 days gone, nothing done) 0.25/0.836.
    component = await _component(feedback_client, cohort, pair)
    pending_pace = 0.25 / (51 / 61)
    assert component["score"] == pytest.approx(100 * (1 + 0 + 0.5 + pending_pace) / 4, abs=0.01)
    assert component["weight"] == WEIGHTS["goal_progress"]
    assert (
        component["explanation"]
        == "4 goals: 1 done on time, 1 done late, 1 past its target date, 1 behind pace or at risk"
    )

    # A milestone reached (half of the pending goal's) moves it before the goal's own next event.
    reached = MilestoneState(
        id=pending_milestone,
        organization=cohort.organization,
        version=2,
        goal_id=pending,
        match_id=pair.match_id,
        program_id=cohort.program_id,
        mentee_id=pair.mentee_id,
        reached_at=now(),
        reached_on_time=True,
    )
    (milestone_envelope,) = await goals.publish(MilestoneReached(milestone=reached))
    await cohort.bus.redeliver(milestone_envelope)
    await cohort.bus.settled()
    component = await _component(feedback_client, cohort, pair)
    assert component["score"] == pytest.approx(100 * (1 + 0 + 0.5 + 0.75 / (51 / 61)) / 4, abs=0.01)

    # A stale progress entry of the overdue goal (version 1 again, as done) changes nothing.
    await goals.publish(
        GoalProgressed(
            goal=goals.state(
                overdue, version=1, status=GoalStatus.DONE, created_days_ago=50, target=today, on_time=True
            ),
            entry_id=uuid.uuid4(),
            previous_status=GoalStatus.ON_TRACK,
            progressed_by=pair.mentee_id,
            progressed_at=now(),
        )
    )
    await cohort.bus.settled()

    analytics = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    assert analytics.status_code == 200, analytics.text
    # Due: on time (done by its date), overdue and late (past their dates); the pending one is not due.
    assert analytics.json()["summary"]["goal_attainment"] == {
        "objective": "technical_skills",
        "goals": 4,
        "done": 2,
        "done_on_time": 1,
        "due": 3,
        "attainment": 0.3333,
    }
    report = await feedback_client.get("/v1/analytics/goal-attainment", headers=cohort.admin)
    assert report.status_code == 200, report.text
    assert report.json()["objectives"] == [
        {
            "objective": "technical_skills",
            "goals": 4,
            "done": 2,
            "done_on_time": 1,
            "due": 3,
            "attainment": 0.3333,
        }
    ]
    only_other = await feedback_client.get(
        "/v1/analytics/goal-attainment", headers=cohort.admin, params={"program_id": str(uuid.uuid4())}
    )
    assert only_other.json()["objectives"] == []

    # Another organization's admin sees none of it; a mentee is no admin.
    stranger = auth(f"org-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()), "admin")
    assert (await feedback_client.get("/v1/analytics/goal-attainment", headers=stranger)).json()[
        "objectives"
    ] == []
    forbidden = await feedback_client.get("/v1/analytics/goal-attainment", headers=pair.mentee)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")
