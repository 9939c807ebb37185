"""The feedback API's contract: answering once (idempotently, under concurrency), refusing bad
input without a partial write, who may do what, settings with If-Match, pagination."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import AuthHeaders, new_org
from tests.feedback.conftest import Cohort, Pair, answer, days_ago, requests_of
from tests.toolkit import eventually_value

pytestmark = pytest.mark.usefixtures("feedback_worker")


async def _open_request(client: httpx.AsyncClient, cohort: Cohort) -> tuple[Pair, dict[str, Any]]:
    await cohort.program(checkin_cadence_days=60)
    pair = cohort.pair()
    await pair.accept(started=days_ago(9))
    await pair.session(start=days_ago(1))
    (request,) = await eventually_value(lambda: requests_of(client, pair.mentee), lambda r: len(r) == 1)
    return pair, request


async def test_answering_twice_is_a_conflict_and_a_retry_with_the_same_key_replays(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    pair, request = await _open_request(feedback_client, cohort)
    path = f"/v1/feedback-requests/{request['id']}/submission"
    body = {"answers": {"rating": 5, "mentor_rating": 5}}
    headers = {**pair.mentee, "Idempotency-Key": "retry-1"}
    first = await feedback_client.post(path, headers=headers, json=body)
    retry = await feedback_client.post(path, headers=headers, json=body)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    reused = await feedback_client.post(
        path, headers=headers, json={"answers": {"rating": 1, "mentor_rating": 1}}
    )
    assert reused.status_code == 422
    again = await feedback_client.post(path, headers=pair.mentee, json=body)
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-submitted"
    submissions = await feedback_client.get(f"/v1/matches/{pair.match_id}/submissions", headers=pair.mentee)
    assert len(submissions.json()["items"]) == 1


async def test_concurrent_answers_to_one_request_record_exactly_one(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    pair, request = await _open_request(feedback_client, cohort)
    responses = await asyncio.gather(
        *(
            answer(feedback_client, request, pair.mentee, {"rating": r, "mentor_rating": r})
            for r in (1, 2, 3, 4, 5)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    submissions = await feedback_client.get(f"/v1/matches/{pair.match_id}/submissions", headers=cohort.admin)
    assert len(submissions.json()["items"]) == 1
    analytics = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    assert sum(week["submissions"] for week in analytics.json()["weeks"]) == 1


async def test_bad_answers_are_refused_naming_each_field_and_write_nothing(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    pair, request = await _open_request(feedback_client, cohort)
    bad = await answer(
        feedback_client, request, pair.mentee, {"rating": 9, "favourite_colour": 3, "notes": 4}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in bad.json()["errors"]}
    assert fields == {
        "body.answers.rating",
        "body.answers.favourite_colour",
        "body.answers.notes",
        "body.answers.mentor_rating",
    }
    malformed = await feedback_client.post(
        f"/v1/feedback-requests/{request['id']}/submission",
        headers=pair.mentee,
        json={"answers": {"rating": "x"}},
    )
    assert malformed.status_code == 422
    still_open = await feedback_client.get(f"/v1/feedback-requests/{request['id']}", headers=pair.mentee)
    assert still_open.json()["status"] == "open"
    assert (
        await feedback_client.get(f"/v1/matches/{pair.match_id}/submissions", headers=cohort.admin)
    ).json()["items"] == []


async def test_only_the_respondent_answers_and_other_organizations_see_nothing(
    feedback_client: httpx.AsyncClient, cohort: Cohort, auth: AuthHeaders
) -> None:
    pair, request = await _open_request(feedback_client, cohort)
    path = f"/v1/feedback-requests/{request['id']}"
    assert (await feedback_client.get(path, headers=pair.mentor)).status_code == 404  # not theirs
    assert (await answer(feedback_client, request, pair.mentor, {"rating": 5})).status_code == 404
    assert (await answer(feedback_client, request, cohort.admin, {"rating": 5})).status_code == 403
    assert (await feedback_client.get(path, headers=cohort.admin)).status_code == 200

    outsider = auth(new_org(), str(uuid.uuid4()), "admin")
    program = f"/v1/programs/{cohort.program_id}"
    for forbidden in (
        path,
        f"/v1/matches/{pair.match_id}/health",
        f"/v1/matches/{pair.match_id}/submissions",
        f"{program}/analytics",
        f"{program}/feedback-settings",
    ):
        assert (await feedback_client.get(forbidden, headers=outsider)).status_code == 404, forbidden
    assert (await feedback_client.get("/v1/feedback-requests", headers=outsider)).json()["items"] == []
    assert (await feedback_client.get(f"{program}/analytics", headers=pair.mentee)).status_code == 403
    assert (await feedback_client.get("/v1/feedback-requests")).status_code == 401


async def test_settings_need_if_match_and_a_usable_form(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program()
    path = f"/v1/programs/{cohort.program_id}/feedback-settings"
    await eventually_value(
        lambda: feedback_client.get(path, headers=cohort.admin), lambda r: r.status_code == 200
    )
    assert (
        await feedback_client.patch(path, headers=cohort.admin, json={"at_risk_threshold": 60})
    ).status_code == 428
    stale = await feedback_client.patch(
        path, headers={**cohort.admin, "If-Match": '"3"'}, json={"at_risk_threshold": 60}
    )
    assert stale.status_code == 412
    duplicate_nps = [
        {"id": "a", "kind": "nps", "prompt": "Recommend?"},
        {"id": "b", "kind": "nps", "prompt": "Recommend again?"},
    ]
    unusable = await feedback_client.patch(
        path, headers={**cohort.admin, "If-Match": '"0"'}, json={"checkin_questions": duplicate_nps}
    )
    assert unusable.status_code == 422 and unusable.json()["errors"][0]["field"] == "body.checkin_questions"
    metric_on_text = [{"id": "a", "kind": "text", "prompt": "Say", "metric": "rating"}]
    invalid = await feedback_client.patch(
        path, headers={**cohort.admin, "If-Match": '"0"'}, json={"checkin_questions": metric_on_text}
    )
    assert invalid.status_code == 422
    changed = await feedback_client.patch(
        path,
        headers={**cohort.admin, "If-Match": '"0"'},
        json={"at_risk_threshold": 60, "recovery_margin": 5},
    )
    assert changed.status_code == 200 and changed.headers["etag"] == '"1"'
    assert changed.json()["at_risk_threshold"] == 60 and changed.json()["feedback_due_hours"] == 72
    assert (await feedback_client.get(path, headers=cohort.admin)).headers["etag"] == '"1"'


async def test_lists_page_with_cursors_and_a_bad_cursor_is_a_400(
    feedback_client: httpx.AsyncClient, cohort: Cohort
) -> None:
    await cohort.program(checkin_cadence_days=60)
    pair = cohort.pair()
    await pair.accept(started=days_ago(20))
    for days in (15, 8, 1):
        await pair.session(start=days_ago(days))
    await eventually_value(lambda: requests_of(feedback_client, pair.mentee), lambda r: len(r) == 3)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await feedback_client.get("/v1/feedback-requests", headers=pair.mentee, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3
    bad = await feedback_client.get(
        "/v1/feedback-requests", headers=pair.mentee, params={"cursor": "not-a-cursor"}
    )
    assert bad.status_code == 400
