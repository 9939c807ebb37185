"""Ratings from the feedback service are kept with the match's score breakdown, for calibration."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import nats
import orjson

from shared.contracts.feedback import FeedbackSubmitted, SubmissionState
from shared.events import CloudEvent
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, new_org, running_workers
from tests.matching.factories import ReadModel, person
from tests.toolkit import eventually


def submission(org: str, match: dict, *, rating: int, role: str = "mentee") -> SubmissionState:
    return SubmissionState.model_validate(
        {
            "id": uuid.uuid4(),
            "organization": org,
            "request_id": uuid.uuid4(),
            "kind": "session",
            "program_id": match["program_id"],
            "match_id": match["id"],
            "respondent_id": match["mentee_id"] if role == "mentee" else match["mentor_id"],
            "respondent_role": role,
            "rating": rating,
            "mentor_rating": rating,
            "goal_progress": 3,
            "scores": {"q1": rating},
            "late": False,
            "submitted_at": dt.datetime.now(dt.UTC),
        }
    )


async def accepted_match(
    client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders, org: str
) -> dict:
    mentor = person(org, skills={"pytorch": 5}, seniority="staff")
    mentee = person(org, interests={"pytorch": (1, 3)}, seniority="junior")
    state = await read_model.program_with(org, mentors=[mentor], mentees=[mentee], mode="mentee_choice")
    created = await client.post(
        f"/v1/programs/{state.id}/requests",
        json={"mentor_id": str(mentor.id)},
        headers=auth(org, str(mentee.id), "mentee"),
    )
    accepted = await client.post(
        f"/v1/matches/{created.json()['id']}/accept", headers=auth(org, str(mentor.id), "mentor")
    )
    return dict(accepted.json())


async def test_a_rating_is_stored_once_with_the_score_breakdown_of_its_match(
    matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    match = await accepted_match(matching_client, read_model, auth, org)
    rated = FeedbackSubmitted(submission=submission(org, match, rating=4))

    await read_model.apply(rated)
    await read_model.apply(rated)  # redelivered

    response = await matching_client.get(
        f"/v1/programs/{match['program_id']}/ratings", headers=auth(org, "admin", "admin")
    )
    [row] = response.json()["items"]
    assert (row["match_id"], row["rating"], row["kind"]) == (match["id"], 4, "session")
    assert row["match_score"] == match["score"] and row["score_breakdown"] == match["score_breakdown"]
    by_mentee = await matching_client.get(
        f"/v1/programs/{match['program_id']}/ratings", headers=auth(org, match["mentee_id"], "mentee")
    )
    assert by_mentee.status_code == 403


async def test_the_worker_consumes_ratings_from_the_feedback_stream(
    platform: Platform, matching_client: httpx.AsyncClient, read_model: ReadModel, auth: AuthHeaders
) -> None:
    org = new_org()
    match = await accepted_match(matching_client, read_model, auth, org)
    event = FeedbackSubmitted(submission=submission(org, match, rating=5, role="mentor"))
    envelope = CloudEvent.wrap(event, organization=org, subject=match["id"])
    connection = await nats.connect(platform.nats_url)
    try:
        js = connection.jetstream()
        await ensure_service_stream(js, namespace=platform.namespace, service="feedback")
        await js.publish(
            f"{platform.namespace}.feedback.feedback.submitted",
            orjson.dumps(envelope.model_dump(mode="json")),
            headers={"Nats-Msg-Id": str(envelope.id)},
        )
    finally:
        await connection.close()

    async def ratings() -> list[dict] | None:
        response = await matching_client.get(
            f"/v1/programs/{match['program_id']}/ratings", headers=auth(org, "admin", "admin")
        )
        return list(response.json()["items"]) or None

    async with running_workers(platform, "matching"):
        [row] = await eventually(ratings, what="the rating arrived")
    assert (row["respondent_role"], row["rating"]) == ("mentor", 5)
