"""Faults the delivery must survive: a worker restart between retries, two workers at once,
a destination that became forbidden, a result arriving after its claim was taken over, a worker
killed in the middle of an attempt."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import orjson
from nats.js import JetStreamContext
from sqlalchemy import text

from shared.db import create_engine, session_factory
from shared.outbound import AttemptResult, Decision, Verdict
from tests.conftest import AuthHeaders, Platform, new_org, running_workers
from tests.toolkit import eventually
from tests.webhooks.conftest import (
    FAST_WORKER,
    LOCAL_RECEIVER,
    Publish,
    admin,
    create_endpoint,
    nothing_more_to_deliver,
)
from tests.webhooks.events import person_created
from tests.webhooks.receiver import Receiver, Reply, always, in_turn
from webhooks import claims, outcomes
from webhooks.outcomes import Outcome


async def delivery_state(client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str) -> dict:
    """The endpoint's only delivery ({} while there is none yet)."""
    items = (await client.get(f"/v1/endpoints/{endpoint_id}/deliveries", headers=headers)).json()["items"]
    assert len(items) <= 1
    return items[0] if items else {}


async def test_a_scheduled_retry_survives_a_worker_restart(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
    js: JetStreamContext,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route = receiver.route(in_turn([500, 200]))
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    slow_retry = {**LOCAL_RECEIVER, "retry_schedule_seconds": [0, 1.5], "retry_jitter": 0}

    async with running_workers(platform, "webhooks", **slow_retry):
        await publish_event(person_created(org), org)
        await route.wait_for(1)

        async def retry_stored() -> dict | None:
            state = await delivery_state(webhooks_client, headers, created["id"])
            return state if state.get("attempts") == 1 and state["next_attempt_at"] else None

        waiting = await eventually(retry_stored)
    assert waiting["status"] == "pending"
    assert len(route.requests) == 1  # the worker stopped before the retry was due

    async with running_workers(platform, "webhooks", **slow_retry):
        first, second = await route.wait_for(2)

        async def succeeded() -> bool:
            return (await delivery_state(webhooks_client, headers, created["id"])).get(
                "status"
            ) == "succeeded"

        await eventually(succeeded)
    assert second.at - first.at >= 1.4
    assert second.headers["webhook-id"] == first.headers["webhook-id"]


async def test_a_stuck_endpoint_does_not_hold_up_the_others(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
    js: JetStreamContext,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    release = threading.Event()
    stuck, fast = receiver.route(always(200, hold=release)), receiver.route()
    await create_endpoint(webhooks_client, headers, stuck.url, ["mentorship.profiles.*"])
    await create_endpoint(webhooks_client, headers, fast.url, ["mentorship.profiles.*"])
    # 8 slots, at most 4 per endpoint, and a timeout far longer than the test: were the
    # per-endpoint bound missing, the stuck endpoint would take every slot and keep it.
    settings = {
        **FAST_WORKER,
        "delivery_concurrency": 8,
        "endpoint_concurrency": 4,
        "request_timeout_seconds": 30,
    }
    async with running_workers(platform, "webhooks", **settings):
        try:
            for _ in range(20):
                await publish_event(person_created(org), org)
            await fast.wait_for(20, timeout=20)
            assert stuck.in_flight == stuck.max_in_flight == 4  # still stuck, and never more than 4
        finally:
            release.set()
        await stuck.wait_for(20, timeout=20)
    assert stuck.max_in_flight == 4


async def test_two_workers_deliver_each_event_once(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
    js: JetStreamContext,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    routes = [receiver.route(), receiver.route()]
    for route in routes:
        await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    async with running_workers(platform, "webhooks", "webhooks", **FAST_WORKER):
        sent = [await publish_event(person_created(org), org) for _ in range(150)]
        for route in routes:
            await route.wait_for(150, timeout=30)
        await nothing_more_to_deliver(platform, org)
    expected = {str(event.id) for event in sent}
    for route in routes:
        ids = [request.headers["webhook-id"] for request in route.requests]
        assert len(ids) == 150
        assert set(ids) == expected


async def test_the_destination_is_checked_when_connecting_not_only_when_registered(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
    js: JetStreamContext,
) -> None:
    org = new_org()
    headers = admin(auth, org)
    route = receiver.route()
    # Registered while the operator allowed 127.0.0.1; the worker's rules no longer do.
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    async with running_workers(platform, "webhooks", allow_http=True, retry_schedule_seconds=[0]):
        await publish_event(person_created(org), org)

        async def failed() -> dict | None:
            state = await delivery_state(webhooks_client, headers, created["id"])
            return state if state.get("status") == "failed" else None

        state = await eventually(failed)
    assert state["last_error"].startswith("destination refused")
    assert "127.0.0.1 is not a public address" in state["last_error"]
    assert route.requests == []


async def test_a_result_arriving_after_its_claim_was_taken_over_only_completes_its_log_entry(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, platform: Platform
) -> None:
    org = new_org()
    headers = admin(auth, org)
    # No worker runs in this test: the claims below are the only ones.
    created = await create_endpoint(webhooks_client, headers, receiver.route(always(200)).url, ["*"])
    engine = create_engine(platform.database_url, pool_size=2)
    sessions = session_factory(engine)
    event_id = uuid.uuid4()
    try:
        async with sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO webhooks.events (id, organization, type, time, body) "
                    "VALUES (:id, :org, 'mentorship.profiles.person.created.v1', now(), '{}')"
                ),
                {"id": event_id, "org": org},
            )
            await session.execute(
                text(
                    "INSERT INTO webhooks.deliveries (id, organization, endpoint_id, event_id, "
                    "event_type, trigger, status, attempts, next_attempt_at, created_at) "
                    "VALUES (gen_random_uuid(), :org, :endpoint, :event, "
                    "'mentorship.profiles.person.created.v1', 'event', 'pending', 0, "
                    "now() - interval '1 minute', now())"
                ),
                {"org": org, "endpoint": uuid.UUID(created["id"]), "event": event_id},
            )

        async def claim() -> claims.ClaimedDelivery:
            async with sessions() as session, session.begin():
                claimed = await claims.claim_due(
                    session, slots=1000, per_endpoint=100, in_flight={}, lease_seconds=-1
                )
            return next(item for item in claimed if item.event_id == event_id)

        async def begin(claimed: claims.ClaimedDelivery) -> int | None:
            async with sessions() as session, session.begin():
                return (await claims.begin(session, [claimed])).get(claimed.id)

        stale = await claim()  # a worker that begins its attempt, then stalls past its lease ...
        stale_attempt = await begin(stale)
        current = await claim()  # ... so another worker claims the delivery again
        assert stale.claim_token != current.claim_token
        assert await begin(stale) is None  # the stale claim may not start another attempt
        current_attempt = await begin(current)
        assert stale_attempt is not None and current_attempt is not None

        def outcome(claimed: claims.ClaimedDelivery, attempt_id: int, status: int) -> Outcome:
            result = AttemptResult(datetime.now(UTC), 5.0, status, None, None, None)
            verdict = Verdict.SUCCEEDED if status == 200 else Verdict.RETRY
            return Outcome(claimed, attempt_id, result, Decision(verdict, None if status == 200 else 60.0))

        async with sessions() as session, session.begin():
            assert await outcomes.record(session, [outcome(current, current_attempt, 200)]) != []
        async with sessions() as session, session.begin():
            assert await outcomes.record(session, [outcome(stale, stale_attempt, 500)]) == []
    finally:
        await engine.dispose()

    delivery = await delivery_state(webhooks_client, headers, created["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("succeeded", 2, 200)
    detail = (await webhooks_client.get(f"/v1/deliveries/{delivery['id']}", headers=headers)).json()
    log = [(attempt["number"], attempt["state"], attempt["status_code"]) for attempt in detail["attempt_log"]]
    assert log == [(1, "completed", 500), (2, "completed", 200)]


async def test_a_delivery_claimed_ahead_is_not_sent_once_its_endpoint_is_disabled(
    webhooks_client: httpx.AsyncClient, auth: AuthHeaders, receiver: Receiver, platform: Platform
) -> None:
    """A worker claims a few deliveries per endpoint ahead of sending them; when the endpoint is
    disabled meanwhile (a 410 to an earlier one, an admin), the ones not yet begun are not sent,
    and they are due again as soon as the endpoint is enabled, not only when the claim's lease ends."""
    org = new_org()
    headers = admin(auth, org)
    # No worker runs in this test: the claims below are the only ones.
    created = await create_endpoint(
        webhooks_client, headers, receiver.route(always(200)).url, ["mentorship.profiles.*"]
    )
    path = f"/v1/endpoints/{created['id']}"
    engine = create_engine(platform.database_url, pool_size=2)
    sessions = session_factory(engine)
    event_id = uuid.uuid4()
    try:
        async with sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO webhooks.events (id, organization, type, time, body) "
                    "VALUES (:id, :org, 'mentorship.profiles.person.created.v1', now(), '{}')"
                ),
                {"id": event_id, "org": org},
            )
            await session.execute(
                text(
                    "INSERT INTO webhooks.deliveries (id, organization, endpoint_id, event_id, "
                    "event_type, trigger, status, attempts, next_attempt_at, created_at) "
                    "VALUES (gen_random_uuid(), :org, :endpoint, :event, "
                    "'mentorship.profiles.person.created.v1', 'event', 'pending', 0, "
                    "now() - interval '1 minute', now())"
                ),
                {"org": org, "endpoint": uuid.UUID(created["id"]), "event": event_id},
            )

        async def claim() -> claims.ClaimedDelivery | None:
            async with sessions() as session, session.begin():
                claimed = await claims.claim_due(
                    session, slots=1000, per_endpoint=100, in_flight={}, lease_seconds=60
                )
            return next((item for item in claimed if item.event_id == event_id), None)

        async def begin(claimed: claims.ClaimedDelivery) -> int | None:
            async with sessions() as session, session.begin():
                return (await claims.begin(session, [claimed])).get(claimed.id)

        ahead = await claim()
        assert ahead is not None
        disabled = await webhooks_client.patch(
            path, json={"enabled": False}, headers={**headers, "If-Match": '"1"'}
        )
        assert disabled.status_code == 200, disabled.text
        assert await begin(ahead) is None  # not logged, so not sent
        assert await claim() is None  # a disabled endpoint's deliveries wait

        enabled = await webhooks_client.patch(
            path, json={"enabled": True}, headers={**headers, "If-Match": '"2"'}
        )
        assert enabled.status_code == 200, enabled.text
        again = await claim()  # at once, although the first claim's lease had a minute to run
        assert again is not None
        assert again.attempt == 1
        assert await begin(again) is not None
    finally:
        await engine.dispose()

    delivery = await delivery_state(webhooks_client, headers, created["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    detail = (await webhooks_client.get(f"/v1/deliveries/{delivery['id']}", headers=headers)).json()
    assert [(attempt["number"], attempt["state"]) for attempt in detail["attempt_log"]] == [(1, "sending")]


async def test_a_worker_killed_mid_attempt_leaves_a_true_log_and_is_redelivered_within_seconds(
    webhooks_client: httpx.AsyncClient,
    auth: AuthHeaders,
    receiver: Receiver,
    publish_event: Publish,
    platform: Platform,
    js: JetStreamContext,
) -> None:
    """A worker process dies (SIGKILL) while its request is at the receiver: the log shows that
    attempt, and another worker sends the event again once the dead one's lease ends (seconds,
    not minutes), with the same `webhook-id` for the receiver to deduplicate on."""
    org = new_org()
    headers = admin(auth, org)
    never = threading.Event()
    route = receiver.route(in_turn([Reply(hold=never), 200]))
    created = await create_endpoint(webhooks_client, headers, route.url, ["mentorship.profiles.*"])
    settings = {**FAST_WORKER, "delivery_lease_seconds": 2, "request_timeout_seconds": 60}
    environment = {
        **os.environ,
        **platform.settings_env(),
        **{name.upper(): orjson.dumps(value).decode() for name, value in settings.items()},
        "LOG_LEVEL": "WARNING",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "webhooks.worker", env=environment, start_new_session=True
    )
    try:
        await publish_event(person_created(org), org)
        (first,) = await route.wait_for(1, timeout=30)

        async def sending() -> dict | None:
            delivery = await delivery_state(webhooks_client, headers, created["id"])
            if not delivery:
                return None
            detail = await webhooks_client.get(f"/v1/deliveries/{delivery['id']}", headers=headers)
            log = detail.json()["attempt_log"]
            return detail.json() if [attempt["state"] for attempt in log] == ["sending"] else None

        # The request is at the receiver, and the log already says so.
        before_the_crash = await eventually(sending)
        assert before_the_crash["attempts"] == 1
        os.killpg(worker.pid, signal.SIGKILL)
        await worker.wait()
        killed_at = time.time()

        async with running_workers(platform, "webhooks", **settings):
            _, second = await route.wait_for(2, timeout=15)

            async def succeeded() -> dict | None:
                delivery = await delivery_state(webhooks_client, headers, created["id"])
                return delivery if delivery.get("status") == "succeeded" else None

            delivery = await eventually(succeeded)
    finally:
        never.set()
        if worker.returncode is None:
            os.killpg(worker.pid, signal.SIGKILL)
            await worker.wait()
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.at - killed_at < 10  # the 2 s lease, not a timer of minutes
    detail = (await webhooks_client.get(f"/v1/deliveries/{delivery['id']}", headers=headers)).json()
    log = [(attempt["number"], attempt["state"], attempt["status_code"]) for attempt in detail["attempt_log"]]
    assert log == [(1, "interrupted", None), (2, "completed", 200)]
    assert detail["attempts"] == 2
