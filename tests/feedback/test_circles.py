"""Circles in feedback: each member rates the circle sessions they attended (once, a private note
staying theirs), a circle's health for its facilitators and admins, and program analytics reporting
circles beside pairs; circle events arrive through real NATS, duplicates included."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from feedback.circle_health import CircleEvidence, MemberFeedback, assess
from shared.contracts.feedback import CircleFeedbackSubmitted
from shared.contracts.matching import CircleAccepted, CircleMember, CircleRole, CircleState, CircleStatus
from shared.contracts.scheduling import (
    CircleSessionCompleted,
    CircleSessionState,
    SessionFormat,
    SessionParticipantState,
    SessionStatus,
)
from tests.conftest import AuthHeaders
from tests.feedback.conftest import Bus, Cohort, days_ago

pytestmark = pytest.mark.usefixtures("feedback_worker")


def test_a_circle_whose_members_feel_apart_is_at_risk_and_names_them() -> None:
    first, second, third = (uuid.uuid4() for _ in range(3))
    sessions = [uuid.uuid4(), uuid.uuid4()]
    attended = {session: frozenset({first, second, third}) for session in sessions}
    happy = CircleEvidence(
        members_joined=3,
        members_active=3,
        held=2,
        canceled=0,
        attendees=attended,
        feedback=[
            MemberFeedback(person, session, 5, 5) for session in sessions for person in (first, second, third)
        ],
    )
    assert assess(happy).level == "healthy" and assess(happy).members_at_risk == ()
    drifting = CircleEvidence(
        members_joined=4,
        members_active=3,
        held=1,
        canceled=2,
        attendees=attended,
        feedback=[MemberFeedback(first, sessions[0], 2, 1), MemberFeedback(second, sessions[0], 3, 3)],
    )
    health = assess(drifting)
    assert health.level == "at_risk" and health.score is not None and health.score < 50
    assert set(health.members_at_risk) == {first, third}  # feels apart; never answered twice
    assert [reason.split(":")[0] for reason in health.reasons()][:2] == ["belonging", "attendance"]
    assert assess(CircleEvidence(members_joined=5, members_active=5, held=0, canceled=0)).score == 100.0


def circle_state(cohort: Cohort, facilitator: uuid.UUID, members: list[uuid.UUID]) -> CircleState:
    return CircleState(
        id=uuid.uuid4(),
        organization=cohort.organization,
        version=2,
        program_id=cohort.program_id,
        status=CircleStatus.ACCEPTED,
        topic="responsible-ai",
        score=0.8,
        members=[
            CircleMember(person_id=facilitator, role=CircleRole.FACILITATOR),
            *(CircleMember(person_id=member, role=CircleRole.MEMBER) for member in members),
        ],
        created_at=days_ago(20),
        updated_at=days_ago(20),
    )


def completed(
    circle: CircleState, attendees: list[uuid.UUID], facilitator: uuid.UUID
) -> CircleSessionCompleted:
    start = days_ago(2)
    return CircleSessionCompleted(
        session=CircleSessionState(
            id=uuid.uuid4(),
            organization=circle.organization,
            version=2,
            sequence=1,
            circle_id=circle.id,
            program_id=circle.program_id,
            format=SessionFormat.VIDEO,
            status=SessionStatus.COMPLETED,
            start=start,
            end=start + timedelta(hours=1),
            participants=[
                SessionParticipantState(person_id=facilitator, role="facilitator"),
                *(SessionParticipantState(person_id=person, role="member") for person in attendees),
            ],
            created_at=days_ago(10),
            updated_at=days_ago(1),
        )
    )


async def test_members_rate_sessions_they_attended_and_facilitators_see_the_circles_health(
    feedback_client: httpx.AsyncClient, bus: Bus, auth: AuthHeaders
) -> None:
    cohort = Cohort(bus=bus, auth=auth)
    await cohort.program()
    facilitator = uuid.uuid4()
    members = [uuid.uuid4() for _ in range(3)]
    absent = uuid.uuid4()
    circle = circle_state(cohort, facilitator, [*members, absent])
    other = circle_state(cohort, uuid.uuid4(), [uuid.uuid4()])
    done = completed(circle, members, facilitator)
    for event in (CircleAccepted(circle=circle), CircleAccepted(circle=other), done):
        envelope = await bus.publish(event, organization=cohort.organization)
    await bus.redeliver(envelope)  # a duplicate of the session's event changes nothing
    await bus.settled()
    url = f"/v1/circles/{circle.id}/feedback"
    body = {"session_id": str(done.session.id), "rating": 2, "belonging": 1, "note": "I feel out of my depth"}

    created = await feedback_client.post(url, json=body, headers=cohort.as_person(members[0]))

    assert created.status_code == 201, created.text
    assert (
        created.json()["note"] == "I feel out of my depth" and created.json()["respondent_role"] == "member"
    )
    again = await feedback_client.post(url, json=body, headers=cohort.as_person(members[0]))
    assert again.status_code == 409 and again.json()["type"] == "/problems/feedback-already-submitted"
    missed = await feedback_client.post(url, json=body, headers=cohort.as_person(absent))
    assert missed.status_code == 403
    outsider = await feedback_client.post(
        url, json=body, headers=cohort.as_person(other.members[1].person_id)
    )
    assert outsider.status_code == 404
    invalid = await feedback_client.post(
        url, json={**body, "rating": 9}, headers=cohort.as_person(members[1])
    )
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "body.rating"
    await feedback_client.post(
        url, json={**body, "rating": 5, "belonging": 5, "note": None}, headers=cohort.as_person(members[1])
    )

    health = await feedback_client.get(
        f"/v1/circles/{circle.id}/health", headers=cohort.as_person(facilitator, "mentor")
    )
    assert health.status_code == 200, health.text
    document = health.json()
    assert document["level"] in {"healthy", "watch", "at_risk"} and 0 <= document["score"] <= 100
    assert str(members[0]) in document["members_at_risk"]
    denied = await feedback_client.get(
        f"/v1/circles/{circle.id}/health", headers=cohort.as_person(members[1])
    )
    assert denied.status_code == 403

    await bus.settled()
    published = await bus.feedback_events(cohort.organization, CircleFeedbackSubmitted)
    assert len(published) == 2
    assert all("note" not in envelope.data["feedback"] for envelope in published)
    assert "out of my depth" not in str([envelope.data for envelope in published])

    analytics = await feedback_client.get(f"/v1/programs/{cohort.program_id}/analytics", headers=cohort.admin)
    assert analytics.status_code == 200, analytics.text
    figures = analytics.json()["circles"]
    assert figures["circles"] == 2 and figures["running"] == 2 and figures["sessions_held"] == 1
    assert figures["members"] == 5 and figures["mean_rating"] == 3.5
