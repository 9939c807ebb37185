"""Match health ("relationship health") and early warning through real events: a match crossing
below its program's threshold is announced once per crossing, whatever re-evaluations and
redeliveries follow, under the new event names and (deprecated, alongside) the old ones."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from feedback.config import FeedbackSettings
from feedback.models import HEALTH, MATCHES, PROGRAMS, SESSIONS, messaging
from feedback.service.match_health import evaluate_match
from shared.contracts.feedback import MatchAtRisk, MatchRecovered, RelationshipAtRisk, RelationshipRecovered
from shared.contracts.scheduling import SessionStatus
from shared.db import create_engine, session_factory, transaction
from tests.conftest import Platform
from tests.feedback.conftest import Cohort, Pair, answer, days_ago, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")


async def _health(client: httpx.AsyncClient, cohort: Cohort, pair: Pair) -> dict[str, Any]:
    response = await client.get(f"/v1/matches/{pair.match_id}/health", headers=cohort.admin)
    return response.json() if response.status_code == 200 else {}


async def _reevaluated_after(
    client: httpx.AsyncClient, cohort: Cohort, pair: Pair, health: dict[str, Any]
) -> None:
    """Wait for the worker's refresh to evaluate the match again after `health`, then until it has
    handled every event and published everything: what re-evaluations could announce, they have."""
    before = datetime.fromisoformat(health["evaluated_at"])
    await eventually_value(
        lambda: _health(client, cohort, pair),
        lambda h: datetime.fromisoformat(h["evaluated_at"]) > before,
        what="a re-evaluation by the worker's refresh",
    )
    await cohort.bus.settled()


async def _answer_session(
    client: httpx.AsyncClient, cohort: Cohort, pair: Pair, session_id: uuid.UUID, rating: int
) -> None:
    requests = await eventually_value(
        lambda: requests_of(client, cohort.admin, match_id=str(pair.match_id), kind="session"),
        lambda r: sum(x["session_id"] == str(session_id) for x in r) == 2,
    )
    for request in (r for r in requests if r["session_id"] == str(session_id)):
        if request["respondent_role"] == "mentee":
            response = await answer(client, request, pair.mentee, {"rating": rating, "mentor_rating": rating})
        else:
            response = await answer(client, request, pair.mentor, {"rating": rating})
        assert response.status_code == 201, response.text


async def test_a_missed_cadence_and_low_ratings_drive_a_match_to_at_risk_exactly_once(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program(session_cadence="weekly", checkin_cadence_days=60)
    pair = cohort.pair()
    await pair.accept(started=days_ago(30))
    first, _ = await pair.session(start=days_ago(26))
    second, _ = await pair.session(start=days_ago(19))
    healthy = await eventually_value(
        lambda: _health(feedback_client, cohort, pair),
        lambda h: h.get("components") and h["components"][0]["figures"]["held"] == 2,
    )
    assert healthy["at_risk"] is False and healthy["score"] >= 50
    assert {c["name"] for c in healthy["components"]} == {
        "cadence",
        "reliability",
        "ratings",
        "rating_trend",
        "checkins",
        "response_rate",
        "goal_progress",
    }

    # The next two sessions were missed: cadence and reliability fall, still above the threshold.
    _, missed = await pair.session(start=days_ago(12), status=SessionStatus.NO_SHOW)
    await pair.session(start=days_ago(5), status=SessionStatus.NO_SHOW)
    slipping = await eventually_value(
        lambda: _health(feedback_client, cohort, pair),
        lambda h: h["components"][1]["figures"].get("no_shows") == 2,
    )
    assert slipping["at_risk"] is False

    # Then both participants rate the sessions they had poorly: the match crosses the line.
    await _answer_session(feedback_client, cohort, pair, first, rating=2)
    await _answer_session(feedback_client, cohort, pair, second, rating=1)
    # The dip is confirmed once it lasts (one second in these tests) at the worker's next look.
    at_risk = await eventually_value(lambda: _health(feedback_client, cohort, pair), lambda h: h["at_risk"])
    assert at_risk["at_risk"] is True and at_risk["score"] < at_risk["threshold"] == 50
    assert any(reason.startswith("cadence:") for reason in at_risk["reasons"])
    assert any(reason.startswith("ratings:") for reason in at_risk["reasons"])
    assert any("no-show" in reason for reason in at_risk["reasons"])

    # Re-evaluations (the worker's refresh runs every half second) and a redelivered event
    # announce nothing new.
    await cohort.bus.redeliver(missed)
    await _reevaluated_after(feedback_client, cohort, pair, at_risk)
    alarms = await cohort.bus.feedback_events(cohort.organization, MatchAtRisk)
    assert len(alarms) == 1
    alarm = alarms[0].data
    # The deprecated event under the old name goes out alongside, with the same data.
    (old_alarm,) = await cohort.bus.feedback_events(cohort.organization, RelationshipAtRisk)
    assert old_alarm.data == alarm and old_alarm.subject == alarms[0].subject == str(pair.match_id)
    assert (
        alarm["match_id"] == str(pair.match_id)
        and alarm["reasons"] == at_risk["reasons"][: len(alarm["reasons"])]
    )
    listed = await feedback_client.get(f"/v1/programs/{cohort.program_id}/at-risk", headers=cohort.admin)
    assert [item["match_id"] for item in listed.json()["items"]] == [str(pair.match_id)]

    # The pair meets again and rates it well: the match recovers, once, naming the same crossing.
    recent_a, _ = await pair.session(start=days_ago(2))
    recent_b, _ = await pair.session(start=days_ago(1))
    await _answer_session(feedback_client, cohort, pair, recent_a, rating=5)
    await _answer_session(feedback_client, cohort, pair, recent_b, rating=5)
    recovered = await eventually_value(
        lambda: _health(feedback_client, cohort, pair), lambda h: h["at_risk"] is False
    )
    assert recovered["at_risk"] is False and recovered["reasons"] == []
    await _reevaluated_after(feedback_client, cohort, pair, recovered)
    recoveries = await cohort.bus.feedback_events(cohort.organization, MatchRecovered)
    assert len(recoveries) == 1
    assert recoveries[0].data["episode_id"] == alarm["episode_id"]
    (old_recovery,) = await cohort.bus.feedback_events(cohort.organization, RelationshipRecovered)
    assert old_recovery.data == recoveries[0].data
    assert len(await cohort.bus.feedback_events(cohort.organization, MatchAtRisk)) == 1
    assert len(await cohort.bus.feedback_events(cohort.organization, RelationshipAtRisk)) == 1
    listed = await feedback_client.get(f"/v1/programs/{cohort.program_id}/at-risk", headers=cohort.admin)
    assert listed.json()["items"] == []


async def test_concurrent_evaluations_of_a_failing_match_publish_one_alarm(platform: Platform) -> None:
    """Eight evaluations at once (replicas, the scan and handlers) serialize on the match's health."""
    engine = create_engine(platform.database_url, pool_size=8)
    sessions = session_factory(engine)
    organization = f"org-{uuid.uuid4().hex[:12]}"
    match_id, program_id = uuid.uuid4(), uuid.uuid4()
    try:
        async with transaction(sessions) as session:
            await session.execute(
                PROGRAMS.insert().values(
                    id=program_id,
                    organization=organization,
                    name="Concurrency",
                    session_cadence="weekly",
                    checkin_cadence_days=90,
                    cohort_start=days_ago(100).date(),
                    cohort_end=days_ago(-100).date(),
                    status="active",
                    version=1,
                )
            )
            await session.execute(
                MATCHES.insert().values(
                    id=match_id,
                    organization=organization,
                    program_id=program_id,
                    mentee_id=uuid.uuid4(),
                    mentor_id=uuid.uuid4(),
                    status="active",
                    started_at=days_ago(40),
                    version=1,
                )
            )
            for days in (33, 26, 19, 12):  # every session missed
                await session.execute(
                    SESSIONS.insert().values(
                        id=uuid.uuid4(),
                        organization=organization,
                        program_id=program_id,
                        match_id=match_id,
                        mentor_id=uuid.uuid4(),
                        mentee_id=uuid.uuid4(),
                        format="video",
                        status="no_show",
                        start=days_ago(days),
                        end=days_ago(days),
                        version=2,
                    )
                )
        settings = FeedbackSettings(database_url=platform.database_url, at_risk_confirm_seconds=0)

        async def evaluate() -> None:
            async with transaction(sessions) as session:
                await evaluate_match(session, match_id=match_id, now=days_ago(0), settings=settings)

        await asyncio.gather(*(evaluate() for _ in range(8)))
        async with sessions() as session:
            alarms = {
                subject: await session.scalar(
                    select(func.count())
                    .select_from(messaging.outbox)
                    .where(
                        messaging.outbox.c.subject == subject,
                        func.convert_from(messaging.outbox.c.payload, "UTF8").contains(str(match_id)),
                    )
                )
                for subject in ("feedback.match.at_risk", "feedback.relationship.at_risk")
            }
            at_risk = await session.scalar(select(HEALTH.c.at_risk).where(HEALTH.c.match_id == match_id))
        # One alarm, and its deprecated twin under the old name.
        assert alarms == {"feedback.match.at_risk": 1, "feedback.relationship.at_risk": 1}
        assert at_risk is True
    finally:
        await engine.dispose()
