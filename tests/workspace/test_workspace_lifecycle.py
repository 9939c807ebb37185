"""A pair's workspace opens when its match is accepted and closes when it ends or a member leaves
(read-only, nothing deleted); replays and out-of-order events converge on the same state."""

from __future__ import annotations

import uuid
from typing import Any

from shared.contracts.matching import (
    MatchAccepted,
    MatchActivated,
    MatchEnded,
    MatchSource,
    MatchState,
    MatchStatus,
)
from shared.contracts.profiles import PersonCreated, PersonReactivated
from tests.workspace.world import T0, World, apply, now, person_state, program_state


def _match(
    organization: str, program_id: uuid.UUID, *, status: MatchStatus, version: int, **ids: Any
) -> MatchState:
    return MatchState(
        organization=organization,
        version=version,
        program_id=program_id,
        status=status,
        source=MatchSource.ROUND,
        score=0.7,
        created_at=T0,
        updated_at=now(),
        **ids,
    )


async def test_a_closed_workspace_is_read_only_and_keeps_everything(world: World) -> None:
    pair = await world.pair()
    goal = await pair.goal()
    await pair.client.post(
        pair.path("/messages"), headers=pair.as_mentee, json={"body": "thanks for everything"}
    )
    await pair.end()
    workspace = (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentee)).json()
    assert workspace["status"] == "closed" and workspace["closed_reason"] == "match_ended"
    for response in (
        await pair.client.post(pair.path("/goals"), headers=pair.as_mentee, json={"title": "more"}),
        await pair.client.post(pair.path("/messages"), headers=pair.as_mentor, json={"body": "bye"}),
        await pair.client.patch(
            f"/v1/goals/{goal['id']}", headers={**pair.as_mentee, "If-Match": '"1"'}, json={"title": "x"}
        ),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["type"] == "/problems/workspace-closed"
    assert (await pair.client.get(f"/v1/goals/{goal['id']}", headers=pair.as_mentee)).status_code == 200
    messages = (await pair.client.get(pair.path("/messages"), headers=pair.as_mentor)).json()["items"]
    assert [m["body"] for m in messages] == ["thanks for everything"]


async def test_a_leavers_workspaces_close_and_reopen_if_they_come_back(world: World) -> None:
    pair = await world.pair()
    await pair.goal()
    gone = await pair.deactivate(pair.mentor)
    workspace = (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentee)).json()
    assert workspace["status"] == "closed" and workspace["closed_reason"] == "member_deactivated"
    assert workspace["goals_total"] == 1  # nothing deleted
    back = gone.model_copy(update={"version": gone.version + 1, "active": True})
    await apply(world.sessions, PersonReactivated(person=back), organization=pair.organization)
    assert (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentee)).json()["status"] == "open"
    await pair.end()
    await apply(
        world.sessions,
        PersonReactivated(person=back.model_copy(update={"version": back.version + 1})),
        organization=pair.organization,
    )
    assert (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentee)).json()[
        "status"
    ] == "closed"


async def test_out_of_order_and_repeated_match_events_converge(world: World) -> None:
    organization = f"org-{uuid.uuid4().hex[:12]}"
    program = program_state(organization)
    mentor = person_state(organization, name="Grace")
    mentee = person_state(organization, name="Alan")
    ids = {"id": uuid.uuid4(), "mentor_id": mentor.id, "mentee_id": mentee.id}
    accepted = _match(organization, program.id, status=MatchStatus.ACCEPTED, version=2, **ids)
    activated = _match(organization, program.id, status=MatchStatus.ACTIVE, version=3, **ids)
    ended = _match(organization, program.id, status=MatchStatus.ENDED, version=4, **ids)
    # The end arrives first, then the start (stale), then everything again.
    await apply(world.sessions, MatchEnded(match=ended), organization=organization)
    await apply(
        world.sessions,
        MatchAccepted(match=accepted),
        MatchActivated(match=activated),
        organization=organization,
    )
    await apply(
        world.sessions, PersonCreated(person=mentor), PersonCreated(person=mentee), organization=organization
    )
    await apply(
        world.sessions, MatchEnded(match=ended), MatchAccepted(match=accepted), organization=organization
    )
    headers = world.auth(organization, str(mentee.id), "mentee")
    workspace = await world.client.get(f"/v1/matches/{ids['id']}/workspace", headers=headers)
    assert workspace.status_code == 200
    assert workspace.json()["status"] == "closed" and workspace.json()["mentee"]["name"] == "Alan"
    assert await world.count("workspaces", organization) == 1


async def test_an_accepted_then_activated_match_opens_one_workspace(world: World) -> None:
    pair = await world.pair()
    activated = pair.match.model_copy(
        update={"status": MatchStatus.ACTIVE, "version": pair.match.version + 1}
    )
    await apply(
        world.sessions,
        MatchActivated(match=activated),
        MatchActivated(match=activated),
        organization=pair.organization,
    )
    workspace = (await pair.client.get(pair.path("/workspace"), headers=pair.as_mentor)).json()
    assert workspace["status"] == "open" and workspace["mentor"]["name"] == "Grace"
    assert workspace["objective"] == "technical_skills"
    assert await world.count("workspaces", pair.organization) == 1
