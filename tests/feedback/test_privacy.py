"""Private free text is visible to its author alone: never in the other participant's view, an
admin's view, an aggregate (analytics, CSV, chart, health) or an event."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.feedback.conftest import Cohort, Pair, answer, days_ago, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")

SECRET = f"PRIVATE-{uuid.uuid4().hex}"  # e.g. "I am thinking of leaving the company"
SHARED = f"SHARED-{uuid.uuid4().hex}"


async def _mentee_submits_private_and_shared_text(
    client: httpx.AsyncClient, cohort: Cohort
) -> tuple[Pair, str]:
    await cohort.program(checkin_cadence_days=60)
    pair = cohort.pair()
    await pair.accept(started=days_ago(9))
    await pair.session(start=days_ago(1))
    (request,) = await eventually_value(lambda: requests_of(client, pair.mentee), lambda r: len(r) == 1)
    response = await answer(
        client,
        request,
        pair.mentee,
        {
            "rating": 2,
            "mentor_rating": 3,
            "what_helped": {"text": SHARED},
            "notes": {"text": SECRET, "private": True},
        },
    )
    assert response.status_code == 201, response.text
    author_view = response.json()
    assert author_view["view"] == "author"
    assert {(n["text"], n["private"]) for n in author_view["notes"]} == {(SHARED, False), (SECRET, True)}
    return pair, author_view["id"]


async def test_private_text_is_visible_to_its_author_and_never_to_the_other_participant(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    pair, submission_id = await _mentee_submits_private_and_shared_text(feedback_client, cohort)

    mine = await feedback_client.get(f"/v1/submissions/{submission_id}", headers=pair.mentee)
    assert SECRET in mine.text and mine.json()["scores"]["mentor_rating"] == 3

    theirs = await feedback_client.get(f"/v1/submissions/{submission_id}", headers=pair.mentor)
    assert theirs.status_code == 200
    assert theirs.json()["view"] == "counterpart"
    assert SECRET not in theirs.text
    assert [n["text"] for n in theirs.json()["notes"]] == [SHARED]
    assert theirs.json()["scores"] is None  # the mentee's rating of the mentor is not the mentor's to read
    listed = await feedback_client.get(f"/v1/matches/{pair.match_id}/submissions", headers=pair.mentor)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    assert SECRET not in listed.text and SHARED in listed.text

    # Someone outside the pair may not know the submission exists.
    stranger = cohort.as_person(uuid.uuid4())
    assert (
        await feedback_client.get(f"/v1/submissions/{submission_id}", headers=stranger)
    ).status_code == 404
    assert (
        await feedback_client.get(f"/v1/matches/{pair.match_id}/submissions", headers=stranger)
    ).status_code == 404


async def test_admins_and_aggregates_never_show_private_text(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    pair, submission_id = await _mentee_submits_private_and_shared_text(feedback_client, cohort)

    admin_view = await feedback_client.get(f"/v1/submissions/{submission_id}", headers=cohort.admin)
    assert admin_view.json()["view"] == "admin" and admin_view.json()["scores"]["rating"] == 2
    assert SECRET not in admin_view.text
    program = f"/v1/programs/{cohort.program_id}"
    # The program and the match reach feedback on other streams than the session that opened the
    # request: wait until both are known before reading what is built from them.
    for known in (f"{program}/analytics", f"/v1/matches/{pair.match_id}/health"):
        await eventually_value(
            lambda known=known: feedback_client.get(known, headers=cohort.admin),
            lambda r: r.status_code == 200,
            what=known,
        )
    for path in (
        f"/v1/matches/{pair.match_id}/submissions",
        f"/v1/matches/{pair.match_id}/health",
        f"{program}/analytics",
        f"{program}/analytics.csv",
        f"{program}/analytics/health.svg",
        f"{program}/at-risk",
        "/v1/feedback-requests",
    ):
        response = await feedback_client.get(path, headers=cohort.admin)
        assert response.status_code == 200, (path, response.text)
        assert SECRET not in response.text, path
    analytics = (await feedback_client.get(f"{program}/analytics", headers=cohort.admin)).json()
    assert analytics["summary"]["average_rating"] == 2.0  # the numbers are aggregated, the text is not


async def test_no_event_carries_private_or_any_free_text(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    _pair, submission_id = await _mentee_submits_private_and_shared_text(feedback_client, cohort)
    events = await eventually_value(
        lambda: cohort.bus.feedback_events(cohort.organization),
        lambda e: any(x.type.endswith("feedback.submitted.v1") for x in e),
    )
    submitted = [e for e in events if e.type.endswith("feedback.submitted.v1")]
    assert len(submitted) == 1 and submitted[0].data["submission"]["id"] == submission_id
    for envelope in events:
        raw = envelope.model_dump_json()
        assert SECRET not in raw and SHARED not in raw
