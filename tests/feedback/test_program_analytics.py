"""Program analytics through real events: weekly figures, the cohort summary, CSV and the chart."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from feedback.cadence import week_start
from shared.contracts.scheduling import SessionCanceled, SessionCompleted, SessionScheduled, SessionStatus
from tests.feedback.conftest import Cohort, answer, days_ago, now, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")


def _week(analytics: dict[str, Any], moment: Any) -> dict[str, Any]:
    key = week_start(moment).isoformat()
    return next(week for week in analytics["weeks"] if week["week_start"] == key)


async def test_program_analytics_count_matches_waitlist_sessions_ratings_nps_and_mentor_load(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program(session_cadence="weekly", checkin_cadence_days=7)
    busy_mentor = await cohort.person(role="mentor", capacity=2)
    await cohort.person(role="mentor", capacity=2)
    first_mentee = await cohort.person(role="mentee")
    second_mentee = await cohort.person(role="mentee")
    await cohort.person(role="mentee")  # still waiting for a mentor
    first = cohort.pair(mentor_id=busy_mentor, mentee_id=first_mentee)
    second = cohort.pair(mentor_id=busy_mentor, mentee_id=second_mentee)
    await first.accept(started=days_ago(10))
    await second.accept(started=days_ago(10))
    # Mid-morning two days ago, so the sessions of that day share a week whatever today is.
    session_day = datetime.combine(days_ago(2).date(), time(10), tzinfo=UTC)
    await first.session(start=session_day)
    await second.session(start=session_day)
    await second.session(start=session_day + timedelta(hours=3), status=SessionStatus.NO_SHOW)

    for pair, rating in ((first, 5), (second, 3)):
        (request,) = await eventually_value(
            lambda pair=pair: requests_of(feedback_client, pair.mentee, kind="session"), lambda r: len(r) == 1
        )
        response = await answer(
            feedback_client, request, pair.mentee, {"rating": rating, "mentor_rating": 4, "goal_progress": 4}
        )
        assert response.status_code == 201, response.text
    for pair, nps in ((first, 10), (second, 3)):
        (checkin,) = await eventually_value(
            lambda pair=pair: requests_of(feedback_client, pair.mentee, kind="checkin"), lambda r: len(r) == 1
        )
        response = await answer(feedback_client, checkin, pair.mentee, {"satisfaction": 4, "nps": nps})
        assert response.status_code == 201, response.text

    analytics = (
        await eventually_value(
            lambda: feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin),
            lambda r: r.status_code == 200 and r.json()["summary"]["mentor_load"]["mentors"] == 2,
        )
    ).json()
    summary = analytics["summary"]
    assert summary["active_matches"] == 2
    assert summary["waitlisted_mentees"] == 1
    assert summary["average_rating"] == 4.0
    assert summary["nps"] == 0.0  # one promoter, one detractor
    assert summary["goal_progress"] == 4.0
    assert summary["mentor_load"] == {
        "mentors": 2,
        "capacity": 4,
        "active_matches": 2,
        "utilization": 0.5,
        "at_capacity": 1,
    }
    held_week = _week(analytics, session_day)
    assert held_week["sessions_held"] == 2 and held_week["sessions_no_show"] == 1
    this_week = _week(analytics, now())
    assert this_week["active_matches"] == 2 and this_week["waitlisted_mentees"] == 1
    assert this_week["sessions_planned"] == 2.0 and this_week["mentor_load"] == 1.0
    assert this_week["average_rating"] == 4.0 and this_week["nps"] == 0.0 and this_week["nps_responses"] == 2
    assert this_week["average_health"] is not None
    assert analytics["weeks"][0]["week_start"] == week_start(days_ago(120)).isoformat()

    exported = await feedback_client.get(
        f"/v1/programs/{cohort.program_id}/analytics.csv", headers=cohort.admin
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == len(analytics["weeks"])
    assert rows[-1]["week_start"] == this_week["week_start"] and rows[-1]["active_matches"] == "2"

    chart = await feedback_client.get(
        f"/v1/programs/{cohort.program_id}/analytics/health.svg", headers=cohort.admin
    )
    assert chart.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(chart.content)
    assert root.tag.endswith("svg")
    assert "average health" in chart.text
    assert not [element for element in root.iter() if element.tag.endswith("}script")]
    assert "kozea.github.io" not in chart.text


async def test_session_events_out_of_order_and_repeated_leave_the_weekly_sums_right(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    pair = cohort.pair()
    await pair.accept(started=days_ago(10))
    start = days_ago(3)
    session_id, completed = await pair.session(start=start)
    await eventually_value(lambda: requests_of(feedback_client, cohort.admin), lambda r: len(r) == 2)
    # A stale "scheduled" (version 1), the completion again, then the cancellation (version 3),
    # and the stale completion once more after it.
    stale = pair.session_state(session_id=session_id, start=start, status=SessionStatus.SCHEDULED, version=1)
    await cohort.bus.publish(SessionScheduled(session=stale), organization=cohort.organization)
    await cohort.bus.redeliver(completed)
    canceled = pair.session_state(
        session_id=session_id, start=start, status=SessionStatus.CANCELED, version=3
    )
    await cohort.bus.publish(SessionCanceled(session=canceled), organization=cohort.organization)
    old_completion = pair.session_state(
        session_id=session_id, start=start, status=SessionStatus.COMPLETED, version=2
    )
    await cohort.bus.publish(SessionCompleted(session=old_completion), organization=cohort.organization)

    def settled(response: httpx.Response) -> bool:
        week = _week(response.json(), start)
        return week["sessions_canceled"] == 1

    analytics = await eventually_value(
        lambda: feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin),
        settled,
    )
    await eventually_value(
        lambda: requests_of(feedback_client, cohort.admin),
        lambda r: {x["status"] for x in r} == {"withdrawn"},
    )
    analytics = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    week = _week(analytics.json(), start)
    assert (week["sessions_held"], week["sessions_canceled"], week["sessions_no_show"]) == (0, 1, 0)
