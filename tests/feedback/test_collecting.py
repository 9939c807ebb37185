"""Collecting feedback through real events: post-session requests, overdue requests, check-ins at
the program's cadence, close-out surveys, and the faults events bring (duplicates, disorder)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from shared.contracts.feedback import CheckinSubmitted, FeedbackRequested, FeedbackSubmitted
from shared.contracts.scheduling import SessionNoShow, SessionScheduled, SessionStatus
from tests.feedback.conftest import Cohort, answer, days_ago, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")


async def test_completed_session_opens_a_request_for_each_participant_and_the_mentee_rates_the_mentor(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    pair = cohort.pair()
    await pair.accept(started=days_ago(10))
    session_id, completed = await pair.session(start=days_ago(1))

    mentee_requests = await eventually_value(
        lambda: requests_of(feedback_client, pair.mentee), lambda r: len(r) == 1
    )
    mentor_requests = await requests_of(feedback_client, pair.mentor)
    assert len(mentee_requests) == 1 and len(mentor_requests) == 1
    mentee_request, mentor_request = mentee_requests[0], mentor_requests[0]
    assert mentee_request["session_id"] == mentor_request["session_id"] == str(session_id)
    assert mentee_request["kind"] == "session" and mentee_request["status"] == "open"
    assert {q["id"] for q in mentee_request["questions"]} >= {"rating", "mentor_rating", "goal_progress"}
    assert "mentor_rating" not in {q["id"] for q in mentor_request["questions"]}
    # Each participant sees only their own requests.
    assert mentee_request["respondent_id"] == str(pair.mentee_id)

    # The same event delivered again (a replay) and a stale version arriving late open nothing more
    # and withdraw nothing.
    await cohort.bus.redeliver(completed)
    stale = pair.session_state(
        session_id=session_id, start=days_ago(1), status=SessionStatus.SCHEDULED, version=1
    )
    await cohort.bus.publish(SessionScheduled(session=stale), organization=cohort.organization)
    await cohort.bus.settled()
    everyone = await requests_of(feedback_client, cohort.admin)
    assert len(everyone) == 2
    assert {r["status"] for r in everyone} == {"open"}

    response = await answer(
        feedback_client,
        mentee_request,
        pair.mentee,
        {
            "rating": 4,
            "mentor_rating": 5,
            "goal_progress": 3,
            "what_helped": {"text": "Pairing on the eval loop"},
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/submissions/{response.json()['id']}"
    requested = await eventually_value(
        lambda: cohort.bus.feedback_events(cohort.organization, FeedbackRequested), lambda e: len(e) >= 2
    )
    assert len(requested) == 2
    submitted = await eventually_value(
        lambda: cohort.bus.feedback_events(cohort.organization, FeedbackSubmitted), lambda e: len(e) == 1
    )
    assert submitted[0].data["submission"]["mentor_rating"] == 5
    assert submitted[0].data["submission"]["late"] is False


async def test_requests_unanswered_past_the_program_due_time_are_overdue(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program(checkin_cadence_days=60)
    settings = await eventually_value(
        lambda: feedback_client.get(
            f"/v1/programs/{cohort.program_id}/feedback-settings", headers=cohort.admin
        ),
        lambda r: r.status_code == 200,
    )
    assert settings.json()["feedback_due_hours"] == 72 and settings.headers["etag"] == '"0"'
    changed = await feedback_client.patch(
        f"/v1/programs/{cohort.program_id}/feedback-settings",
        headers={**cohort.admin, "If-Match": '"0"'},
        json={"feedback_due_hours": 48},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"1"'

    pair = cohort.pair()
    await pair.accept(started=days_ago(20))
    await pair.session(start=days_ago(3))  # ended 3 days ago: past 48 hours
    await pair.session(start=days_ago(0.5))  # ended 12 hours ago: not yet due

    await eventually_value(lambda: requests_of(feedback_client, cohort.admin), lambda r: len(r) == 4)
    overdue = await requests_of(feedback_client, cohort.admin, overdue="true")
    assert {r["respondent_id"] for r in overdue} == {str(pair.mentor_id), str(pair.mentee_id)}
    assert all(r["overdue"] for r in overdue)
    mine = await requests_of(feedback_client, pair.mentor, overdue="false")
    assert len(mine) == 1 and not mine[0]["overdue"]

    # Answering late is still possible, and is recorded as late.
    late = next(r for r in overdue if r["respondent_id"] == str(pair.mentor_id))
    response = await answer(feedback_client, late, pair.mentor, {"rating": 3})
    assert response.status_code == 201, response.text
    assert response.json()["late"] is True
    assert len(await requests_of(feedback_client, cohort.admin, overdue="true")) == 1


async def test_checkins_open_at_the_program_cadence_and_a_closeout_when_the_match_ends(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program(checkin_cadence_days=7)
    custom = await eventually_value(
        lambda: feedback_client.patch(
            f"/v1/programs/{cohort.program_id}/feedback-settings",
            headers={**cohort.admin, "If-Match": '"0"'},
            json={
                "checkin_questions": [
                    {
                        "id": "confidence",
                        "kind": "scale",
                        "prompt": "How confident do you feel?",
                        "required": True,
                    },
                    {"id": "recommend", "kind": "nps", "prompt": "Would you recommend the program?"},
                    {"id": "blockers", "kind": "text", "prompt": "What blocks you?"},
                ]
            },
        ),
        lambda r: r.status_code == 200,
    )
    assert custom.status_code == 200, custom.text
    pair = cohort.pair()
    await pair.accept(started=days_ago(15))  # two check-in periods have passed

    checkins = await eventually_value(
        lambda: requests_of(feedback_client, cohort.admin, kind="checkin"), lambda r: len(r) == 2
    )
    assert len(checkins) == 2
    assert {r["respondent_role"] for r in checkins} == {"mentor", "mentee"}
    # Only the current period opens (not a backlog), with the program's own questions.
    mentee_checkin = next(r for r in checkins if r["respondent_role"] == "mentee")
    assert [q["id"] for q in mentee_checkin["questions"]] == ["confidence", "recommend", "blockers"]
    assert mentee_checkin["opened_at"][:10] == days_ago(1).isoformat()[:10]

    missing = await answer(feedback_client, mentee_checkin, pair.mentee, {"recommend": 9})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.answers.confidence"
    response = await answer(
        feedback_client,
        mentee_checkin,
        pair.mentee,
        {"confidence": 4, "recommend": 9, "blockers": {"text": "GPUs"}},
    )
    assert response.status_code == 201, response.text
    submitted = await eventually_value(
        lambda: cohort.bus.feedback_events(cohort.organization, CheckinSubmitted), lambda e: len(e) == 1
    )
    assert submitted[0].data["submission"]["nps"] == 9
    assert submitted[0].data["submission"]["scores"] == {"confidence": 4, "recommend": 9}

    await pair.end()
    closeouts = await eventually_value(
        lambda: requests_of(feedback_client, cohort.admin, kind="closeout"), lambda r: len(r) == 2
    )
    assert {r["respondent_id"] for r in closeouts} == {str(pair.mentor_id), str(pair.mentee_id)}
    assert "nps" in {q["id"] for q in closeouts[0]["questions"]}
    # The mentor's unanswered check-in is withdrawn: the match it asked about is over.
    mentor_checkin = await requests_of(feedback_client, pair.mentor, kind="checkin")
    assert [r["status"] for r in mentor_checkin] == ["withdrawn"]


async def test_a_session_marked_a_no_show_after_completion_withdraws_its_requests(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    pair = cohort.pair()
    await pair.accept(started=days_ago(10))
    session_id, _ = await pair.session(start=days_ago(2))
    await eventually_value(lambda: requests_of(feedback_client, cohort.admin), lambda r: len(r) == 2)
    corrected = pair.session_state(
        session_id=session_id, start=days_ago(2), status=SessionStatus.NO_SHOW, version=3
    )
    await cohort.bus.publish(SessionNoShow(session=corrected), organization=cohort.organization)
    withdrawn = await eventually_value(
        lambda: requests_of(feedback_client, cohort.admin),
        lambda r: {x["status"] for x in r} == {"withdrawn"},
    )
    assert {r["status"] for r in withdrawn} == {"withdrawn"}
    respondent = cohort.as_person(uuid.UUID(withdrawn[0]["respondent_id"]))
    refused = await answer(feedback_client, withdrawn[0], respondent, {"rating": 5})
    assert refused.status_code == 409
