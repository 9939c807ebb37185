"""A circle's workspace: facilitators set shared goals, each member their own personal goals (seen
by them and the facilitators only), and the members talk in the circle's conversation; another
circle's members get a 404, a member who left reads but no longer writes, events carry no text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from shared.contracts.matching import (
    CircleAccepted,
    CircleMember,
    CircleMemberLeft,
    CircleMemberStatus,
    CircleRole,
    CircleState,
    CircleStatus,
    MatchEndReason,
)
from tests.conftest import new_org
from tests.workspace.world import World, apply

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def circle(organization: str, facilitator: uuid.UUID, members: list[uuid.UUID]) -> CircleState:
    return CircleState(
        id=uuid.uuid4(),
        organization=organization,
        version=2,
        program_id=uuid.uuid4(),
        status=CircleStatus.ACCEPTED,
        topic="llm-evaluation",
        score=0.8,
        members=[
            CircleMember(person_id=facilitator, role=CircleRole.FACILITATOR),
            *(CircleMember(person_id=member, role=CircleRole.MEMBER) for member in members),
        ],
        created_at=T0,
        updated_at=T0,
    )


async def test_shared_and_personal_goals_and_the_conversation_stay_in_the_circle(world: World) -> None:
    organization = new_org()
    lead, ana, bo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    mine = circle(organization, lead, [ana, bo])
    theirs = circle(organization, uuid.uuid4(), [uuid.uuid4()])
    await apply(
        world.sessions, CircleAccepted(circle=mine), CircleAccepted(circle=theirs), organization=organization
    )
    client: httpx.AsyncClient = world.client

    def as_(person: uuid.UUID, role: str = "mentee") -> dict[str, str]:
        return world.auth(organization, str(person), role)

    base = f"/v1/circles/{mine.id}"
    refused = await client.post(
        f"{base}/goals", json={"title": "Ship an eval harness", "shared": True}, headers=as_(ana)
    )
    assert refused.status_code == 403
    shared = await client.post(
        f"{base}/goals", json={"title": "Ship an eval harness", "shared": True}, headers=as_(lead, "mentor")
    )
    assert shared.status_code == 201, shared.text
    own = await client.post(f"{base}/goals", json={"title": "Read three papers"}, headers=as_(ana))
    assert own.status_code == 201 and own.json()["owner_id"] == str(ana)

    seen_by_bo = (await client.get(f"{base}/goals", headers=as_(bo))).json()
    assert [goal["title"] for goal in seen_by_bo["shared"]] == ["Ship an eval harness"]
    assert seen_by_bo["personal"] == []  # Ana's goal is hers and the facilitator's to see
    seen_by_lead = (await client.get(f"{base}/goals", headers=as_(lead, "mentor"))).json()
    assert [goal["owner_id"] for goal in seen_by_lead["personal"]] == [str(ana)]

    goal = own.json()
    stale = await client.post(
        f"{base}/goals/{goal['id']}/progress", json={"percent": 50}, headers={**as_(ana), "If-Match": '"9"'}
    )
    assert stale.status_code == 412
    moved = await client.post(
        f"{base}/goals/{goal['id']}/progress", json={"status": "on_track", "percent": 50},
        headers={**as_(ana), "If-Match": '"1"'},
    )  # fmt: skip
    assert moved.status_code == 200 and moved.json()["percent"] == 50 and moved.headers["ETag"] == '"2"'
    hidden = await client.post(
        f"{base}/goals/{goal['id']}/progress", json={"percent": 60}, headers={**as_(bo), "If-Match": '"2"'}
    )
    assert hidden.status_code == 404

    posted = await client.post(f"{base}/messages", json={"body": "Hello circle"}, headers=as_(bo))
    assert posted.status_code == 201, posted.text
    listed = await client.get(f"{base}/messages", headers=as_(ana))
    assert [item["body"] for item in listed.json()["items"]] == ["Hello circle"]
    for outsider in (as_(theirs.members[1].person_id), world.auth(organization, str(uuid.uuid4()), "admin")):
        response = await client.get(f"{base}/messages", headers=outsider)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"

    left = mine.model_copy(
        update={
            "version": 3,
            "members": [
                member.model_copy(
                    update={"status": CircleMemberStatus.LEFT, "left_reason": MatchEndReason.PARTICIPANT}
                )
                if member.person_id == bo
                else member
                for member in mine.members
            ],
        }
    )
    await apply(world.sessions, CircleMemberLeft(circle=left, person_id=bo), organization=organization)
    assert (await client.get(f"{base}/messages", headers=as_(bo))).status_code == 200
    assert (await client.post(f"{base}/messages", json={"body": "bye"}, headers=as_(bo))).status_code == 403

    outbox = await world.raw_outbox(organization)
    assert "Hello circle" not in outbox and "Read three papers" not in outbox
    for kind in ("circle_goal.created", "circle_goal.progressed", "circle_message.posted"):
        assert f"mentorship.workspace.{kind}.v1" in outbox
