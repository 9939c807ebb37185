"""At-risk cases: feedback's `match.at_risk` opens a case unless one is open (a replayed or repeated
crossing changes nothing), a recovery is noted on it, admins work it (owner, actions) and close
it with an outcome, published as ids and codes only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.contracts.feedback import MatchAtRisk, MatchRecovered, RelationshipAtRisk
from shared.contracts.scheduling import (
    SessionFormat,
    SessionRescheduled,
    SessionScheduled,
    SessionState,
    SessionStatus,
)
from shared.contracts.workspace import CaseClosed, CaseOpened
from tests.workspace.world import Pair, World, apply, etag
from workspace.handlers import SOURCES


def at_risk(pair: Pair, episode_id: uuid.UUID) -> MatchAtRisk:
    return MatchAtRisk(
        match_id=pair.id,
        program_id=pair.program.id,
        mentor_id=pair.mentor.id,
        mentee_id=pair.mentee.id,
        episode_id=episode_id,
        score=31.5,
        threshold=50.0,
        reasons=["no session in 5 weeks"],
        components=[],
        evaluated_at=datetime.now(UTC),
    )


async def test_an_at_risk_crossing_opens_one_case_however_often_it_arrives(world: World) -> None:
    pair = await world.pair()
    episode = uuid.uuid4()
    event = at_risk(pair, episode)
    await apply(world.sessions, event, organization=pair.organization)
    await apply(world.sessions, event, organization=pair.organization)
    # The same crossing under its deprecated name is not a second case: it is not handled at all.
    assert SOURCES["feedback"].get(RelationshipAtRisk.event_type.name) is None
    await apply(
        world.sessions, at_risk(pair, uuid.uuid4()), organization=pair.organization
    )  # while one is open
    cases = (await pair.client.get("/v1/cases", headers=pair.as_admin)).json()["items"]
    assert len(cases) == 1
    case = cases[0]
    assert case["source"] == "at_risk" and case["episode_id"] == str(episode) and case["health_score"] == 31.5
    (opened,) = await world.published(pair.organization, CaseOpened)
    assert opened["data"]["case_id"] == case["id"] and opened["data"]["episode_id"] == str(episode)
    assert "5 weeks" not in await world.raw_outbox(pair.organization)

    recovered = MatchRecovered(
        match_id=pair.id,
        program_id=pair.program.id,
        mentor_id=pair.mentor.id,
        mentee_id=pair.mentee.id,
        episode_id=episode,
        score=72.0,
        threshold=50.0,
        at_risk_since=datetime.now(UTC),
        evaluated_at=datetime.now(UTC),
    )
    await apply(world.sessions, recovered, organization=pair.organization)
    noted = await pair.client.get(f"/v1/cases/{case['id']}", headers=pair.as_admin)
    assert [a["kind"] for a in noted.json()["actions"]] == ["health_recovered"]
    assert noted.json()["status"] == "open"


async def test_admins_work_a_case_to_an_outcome(world: World) -> None:
    pair = await world.pair()
    await apply(world.sessions, at_risk(pair, uuid.uuid4()), organization=pair.organization)
    (case,) = (await pair.client.get("/v1/cases", headers=pair.as_admin, params={"status": "open"})).json()[
        "items"
    ]
    path = f"/v1/cases/{case['id']}"
    current = await pair.client.get(path, headers=pair.as_admin)
    owned = await pair.client.patch(
        path, headers={**pair.as_admin, **etag(current)}, json={"owner_id": str(pair.admin_id)}
    )
    assert owned.status_code == 200 and owned.json()["owner_id"] == str(pair.admin_id)
    action = await pair.client.post(
        f"{path}/actions",
        headers=pair.as_admin,
        json={"kind": "three_way_checkin", "note": "Booked for Monday"},
    )
    assert action.status_code == 201
    system_kind = await pair.client.post(
        f"{path}/actions", headers=pair.as_admin, json={"kind": "health_recovered"}
    )
    assert system_kind.status_code == 422
    stale = await pair.client.post(
        f"{path}/closure", headers={**pair.as_admin, **etag(owned)}, json={"outcome": "recovered"}
    )
    assert stale.status_code == 412
    closed = await pair.client.post(
        f"{path}/closure",
        headers={**pair.as_admin, **etag(action)},
        json={"outcome": "recovered", "note": "Meeting weekly again"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "recovered"
    (event,) = await world.published(pair.organization, CaseClosed)
    assert event["data"]["outcome"] == "recovered" and event["data"]["actions_taken"] == 1
    outbox = await world.raw_outbox(pair.organization)
    assert "Monday" not in outbox and "weekly again" not in outbox
    late = await pair.client.post(f"{path}/actions", headers=pair.as_admin, json={"kind": "other"})
    assert late.status_code == 409
    # A closed case lets the next crossing open a new one.
    await apply(world.sessions, at_risk(pair, uuid.uuid4()), organization=pair.organization)
    assert len((await pair.client.get("/v1/cases", headers=pair.as_admin)).json()["items"]) == 2


async def test_an_admin_opens_a_case_by_hand_once(world: World) -> None:
    pair = await world.pair()
    opened = await pair.client.post(pair.path("/cases"), headers=pair.as_admin)
    assert opened.status_code == 201 and opened.json()["source"] == "admin"
    assert (await pair.client.post(pair.path("/cases"), headers=pair.as_admin)).status_code == 409
    assert (await pair.client.post(pair.path("/cases"), headers=pair.as_mentee)).status_code == 403
    foreign = world.auth("org-elsewhere", str(uuid.uuid4()), "admin")
    assert (await pair.client.get(f"/v1/cases/{opened.json()['id']}", headers=foreign)).status_code == 404


async def test_a_facilitated_check_in_booked_in_scheduling_is_noted_on_the_open_case(world: World) -> None:
    pair = await world.pair()
    await apply(world.sessions, at_risk(pair, uuid.uuid4()), organization=pair.organization)
    (case,) = (await pair.client.get("/v1/cases", headers=pair.as_admin)).json()["items"]
    start = datetime.now(UTC) + timedelta(days=3)
    facilitator = pair.admin_id
    check_in = SessionState(
        id=uuid.uuid4(),
        organization=pair.organization,
        version=1,
        sequence=0,
        match_id=pair.id,
        program_id=pair.program.id,
        mentor_id=pair.mentor.id,
        mentee_id=pair.mentee.id,
        format=SessionFormat.VIDEO,
        status=SessionStatus.SCHEDULED,
        start=start,
        end=start + timedelta(hours=1),
        facilitator_id=facilitator,
        created_at=start - timedelta(days=3),
        updated_at=start - timedelta(days=3),
    )
    await apply(world.sessions, SessionScheduled(session=check_in), organization=pair.organization)
    # An ordinary session of the pair, and the check-in moved: neither is a new check-in.
    await pair.book()
    moved = check_in.model_copy(update={"version": 2, "sequence": 1, "start": start + timedelta(hours=2)})
    await apply(
        world.sessions,
        SessionRescheduled(session=moved, previous_start=start),
        organization=pair.organization,
    )
    noted = (await pair.client.get(f"/v1/cases/{case['id']}", headers=pair.as_admin)).json()
    assert [(a["kind"], a["author_id"]) for a in noted["actions"]] == [
        ("three_way_checkin", str(facilitator))
    ]
    # The check-in is the pair's session in their workspace, open for its agenda.
    sessions = (await pair.client.get(pair.path("/sessions"), headers=pair.as_mentee)).json()["items"]
    assert str(check_in.id) in {item["id"] for item in sessions}
