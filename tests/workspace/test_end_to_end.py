"""End to end through real NATS: other services' events reach the workspace worker (a workspace
opens, a session arrives, feedback's at-risk crossing opens a case), the API acts on them, and the
workspace's own events leave through its outbox to its stream, once each, even when an event is
delivered twice. Webhooks offers every workspace event for subscription, and delivers one to a
subscribed endpoint, signed, without any text."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import nats
import orjson
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import DeliverPolicy
from standardwebhooks.webhooks import Webhook

from mentorship.services import spec
from shared.contracts import workspace as contracts
from shared.contracts.feedback import MatchAtRisk
from shared.contracts.matching import MatchAccepted, MatchSource, MatchState, MatchStatus
from shared.contracts.profiles import PersonCreated, ProgramCreated
from shared.contracts.scheduling import SessionFormat, SessionScheduled, SessionState, SessionStatus
from shared.events import CATALOG, CloudEvent, Event
from shared.streams import ensure_service_stream
from tests.conftest import AuthHeaders, Platform, new_org, running_workers, service_client
from tests.toolkit import eventually, settled
from tests.webhooks.conftest import FAST_WORKER, LOCAL_RECEIVER
from tests.webhooks.receiver import Receiver
from tests.workspace.world import T0, World, person_state, program_state
from webhooks.catalog import publishing_services


@pytest.fixture
async def connection(platform: Platform) -> AsyncIterator[NATS]:
    client = await nats.connect(platform.nats_url)
    for service in (*spec("workspace").sources(), "workspace"):
        await ensure_service_stream(client.jetstream(), namespace=platform.namespace, service=service)
    try:
        yield client
    finally:
        await client.close()


async def publish(
    connection: NATS, platform: Platform, event: Event, organization: str, *, message_id: str | None = None
) -> CloudEvent:
    envelope = CloudEvent.wrap(event, organization=organization, subject=None)
    await republish(connection, platform, envelope, message_id=message_id or str(envelope.id))
    return envelope


async def republish(connection: NATS, platform: Platform, envelope: CloudEvent, *, message_id: str) -> None:
    """Publish an envelope as a message of its service's stream (again, as a replay would)."""
    subject = f"{platform.namespace}.{envelope.source.strip('/')}.{'.'.join(envelope.type.split('.')[2:-1])}"
    await connection.jetstream().publish(
        subject, orjson.dumps(envelope.model_dump(mode="json")), headers={"Nats-Msg-Id": message_id}
    )


async def workspace_events(connection: NATS, platform: Platform, organization: str) -> list[CloudEvent]:
    subscription = await connection.jetstream().subscribe(
        f"{platform.namespace}.workspace.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    found: list[CloudEvent] = []
    try:
        while True:
            try:
                message = await subscription.next_msg(timeout=0.5)
            except TimeoutError:
                break
            envelope = CloudEvent.model_validate_json(message.data)
            model = CATALOG.get(envelope.type)
            # The stream also carries the service's audit entries (confidential, for the privacy
            # service alone); the domain events are what this test counts.
            if envelope.organization == organization and not (model is not None and model.confidential):
                found.append(envelope)
    finally:
        await subscription.unsubscribe()
    return found


async def test_events_in_open_a_workspace_and_its_events_go_out_once(
    platform: Platform, connection: NATS, auth: AuthHeaders, workspace_client: httpx.AsyncClient
) -> None:
    organization = new_org()
    program = program_state(organization)
    mentor = person_state(organization, name="Grace", skills=("nlp",))
    mentee = person_state(organization, name="Alan", skills=("python",), interests=("nlp",))
    match = MatchState(
        id=uuid.uuid4(),
        organization=organization,
        version=2,
        program_id=program.id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status=MatchStatus.ACCEPTED,
        source=MatchSource.ROUND,
        score=0.9,
        created_at=T0,
        updated_at=datetime.now(UTC),
    )
    start = datetime.now(UTC) + timedelta(days=3)
    session = SessionState(
        id=uuid.uuid4(),
        organization=organization,
        version=1,
        sequence=0,
        match_id=match.id,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        format=SessionFormat.VIDEO,
        status=SessionStatus.SCHEDULED,
        start=start,
        end=start + timedelta(hours=1),
        created_at=T0,
        updated_at=T0,
    )
    as_mentee = auth(organization, str(mentee.id), "mentee")
    async with running_workers(platform, "workspace"):
        for event in (
            ProgramCreated(program=program),
            PersonCreated(person=mentor),
            PersonCreated(person=mentee),
        ):
            await publish(connection, platform, event, organization)
        accepted = await publish(connection, platform, MatchAccepted(match=match), organization)
        await publish(connection, platform, SessionScheduled(session=session), organization)

        async def opened() -> bool:
            response = await workspace_client.get(f"/v1/matches/{match.id}/workspace", headers=as_mentee)
            document = response.json() if response.status_code == 200 else {}
            # Streams are consumed independently: the people may come after the match, or before.
            return document.get("status") == "open" and document["mentee"]["name"] == "Alan"

        await eventually(opened, what="the workspace opened, and the mentee known, from the events")

        async def session_known() -> bool:
            response = await workspace_client.get(f"/v1/matches/{match.id}/sessions", headers=as_mentee)
            return response.status_code == 200 and len(response.json()["items"]) == 1

        await eventually(session_known, what="scheduling's session arrived")
        goal = await workspace_client.post(
            f"/v1/matches/{match.id}/goals",
            headers=as_mentee,
            json={
                "title": "Build an NLP demo",
                "target_date": (start + timedelta(days=30)).date().isoformat(),
                "skills": ["nlp"],
            },
        )
        assert goal.status_code == 201, goal.text
        agenda = await workspace_client.post(
            f"/v1/sessions/{session.id}/agenda", headers=as_mentee, json={"goal_id": goal.json()["id"]}
        )
        assert agenda.status_code == 201

        # The same match event again (a replay as a new message), and feedback's early warning.
        await republish(connection, platform, accepted, message_id=uuid.uuid4().hex)
        at_risk = MatchAtRisk(
            match_id=match.id,
            program_id=program.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            episode_id=uuid.uuid4(),
            score=30.0,
            threshold=50.0,
            reasons=[],
            components=[],
            evaluated_at=datetime.now(UTC),
        )
        await publish(connection, platform, at_risk, organization)
        await settled(
            nats_url=platform.nats_url,
            namespace=platform.namespace,
            consumers=[("workspace", source) for source in spec("workspace").sources()],
            database_url=platform.database_url,
            outboxes=["workspace"],
        )
    published = await workspace_events(connection, platform, organization)
    assert sorted(e.type for e in published) == sorted(
        [contracts.GoalCreated.event_type.name, contracts.CaseOpened.event_type.name]
    )
    created = next(e for e in published if e.type == contracts.GoalCreated.event_type.name)
    assert created.data["goal"]["id"] == goal.json()["id"] and "NLP demo" not in created.model_dump_json()
    workspaces = await workspace_client.get("/v1/workspaces", headers=as_mentee)
    assert len(workspaces.json()["items"]) == 1


async def test_webhooks_offers_every_workspace_event(platform: Platform, auth: AuthHeaders) -> None:
    # Confidential events (an audit trail meant for the platform's own services) are never offered.
    expected = {
        name
        for name, model in CATALOG.items()
        if model.__module__ == contracts.__name__ and not getattr(model, "confidential", False)
    }
    assert len(expected) >= 12
    async with service_client("webhooks", platform) as webhooks:
        response = await webhooks.get(
            "/v1/event-types",
            headers=auth(new_org(), str(uuid.uuid4()), "admin"),
            params={"service": "workspace"},
        )
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["items"]} == expected


async def test_a_workspace_event_reaches_a_subscribed_webhook_signed_and_without_text(
    platform: Platform, connection: NATS, auth: AuthHeaders, world: World
) -> None:
    for service in publishing_services():
        await ensure_service_stream(connection.jetstream(), namespace=platform.namespace, service=service)
    pair = await world.pair()
    with Receiver().running() as receiver:
        route = receiver.route()
        async with (
            service_client("webhooks", platform, **LOCAL_RECEIVER) as webhooks,
            running_workers(platform, "workspace", "webhooks", **FAST_WORKER),
        ):
            admin = auth(pair.organization, str(uuid.uuid4()), "admin")
            endpoint = await webhooks.post(
                "/v1/endpoints",
                headers=admin,
                json={"url": route.url, "event_types": [contracts.GoalCompleted.event_type.name]},
            )
            assert endpoint.status_code == 201, endpoint.text
            goal = await pair.goal(title="Present a paper reading")
            done = await pair.client.post(
                f"/v1/goals/{goal['id']}/progress",
                headers={**pair.as_mentee, "If-Match": '"1"'},
                json={"status": "done", "note": "went well"},
            )
            assert done.status_code == 200
            (delivered,) = await route.wait_for(1, timeout=30)
    Webhook(endpoint.json()["secret"]).verify(delivered.body, delivered.headers)
    event = orjson.loads(delivered.body)
    assert event["type"] == contracts.GoalCompleted.event_type.name
    assert event["data"]["goal"]["id"] == goal["id"] and event["data"]["goal"]["completed_on_time"] is True
    assert b"paper reading" not in delivered.body and b"went well" not in delivered.body
